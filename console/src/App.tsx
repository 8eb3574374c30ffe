import { lazy, Suspense, useEffect, type ComponentType } from "react";
import { I18nProvider } from "./i18n";
import { RefreshProvider } from "./components/refresh";
import { ToastProvider } from "./components/toast";
import { LAST_NS_KEY, Shell } from "./components/Shell";
import { matchPath, navigate, useLocation } from "./components/router";
import { Spinner } from "./components/Page";
import { NotFoundPage } from "./pages/NotFoundPage";

// One chunk per page folder; the run list (the busiest page) stays light.
const TemplateList = lazy(() => import("./pages/workflowtemplates/TemplateListPage"));
const TemplateDetail = lazy(() => import("./pages/workflowtemplates/TemplateDetailPage"));
const TemplateEditor = lazy(() => import("./pages/workflowtemplates/TemplateEditorPage"));
const RunList = lazy(() => import("./pages/workflowruns/RunListPage"));
const RunDetail = lazy(() => import("./pages/workflowruns/RunDetailPage"));
const CronList = lazy(() => import("./pages/cronworkflowruns/CronListPage"));
const CronDetail = lazy(() => import("./pages/cronworkflowruns/CronDetailPage"));
const CronEditor = lazy(() => import("./pages/cronworkflowruns/CronEditorPage"));
const VolumeList = lazy(() => import("./pages/volumes/VolumeListPage"));
const VolumeBrowser = lazy(() => import("./pages/volumes/VolumeBrowserPage"));

type Page = ComponentType<{ params: Record<string, string> }>;
const ROUTES: [string, string, Page][] = [
  ["/ns/:ns/workflowtemplates", "workflowtemplates", TemplateList],
  ["/ns/:ns/workflowtemplates/-/new", "workflowtemplates", TemplateEditor],
  ["/ns/:ns/workflowtemplates/:name", "workflowtemplates", TemplateDetail],
  ["/ns/:ns/workflowtemplates/:name/edit", "workflowtemplates", TemplateEditor],
  ["/ns/:ns/workflowruns", "workflowruns", RunList],
  ["/ns/:ns/workflowruns/:name", "workflowruns", RunDetail],
  ["/ns/:ns/cronworkflowruns", "cronworkflowruns", CronList],
  ["/ns/:ns/cronworkflowruns/-/new", "cronworkflowruns", CronEditor],
  ["/ns/:ns/cronworkflowruns/:name", "cronworkflowruns", CronDetail],
  ["/ns/:ns/cronworkflowruns/:name/edit", "cronworkflowruns", CronEditor],
  ["/ns/:ns/volumes", "volumes", VolumeList],
  ["/ns/:ns/volumes/:volume", "volumes", VolumeBrowser],
  ["/ns/:ns/volumes/:volume/*path", "volumes", VolumeBrowser],
];

function Routes() {
  const { pathname } = useLocation();
  const onRoot = pathname === "/" || pathname === "" || pathname === "/index.html";
  useEffect(() => {
    if (onRoot) navigate(`/ns/${localStorage.getItem(LAST_NS_KEY) || "default"}/workflowtemplates`, { replace: true });
  }, [onRoot]);
  for (const [pattern, section, Page] of ROUTES) {
    const params = matchPath(pattern, pathname);
    if (params) {
      return (
        <Shell ns={params.ns} section={section}>
          <Suspense fallback={<Spinner />}>
            <Page key={pattern + params.ns} params={params} />
          </Suspense>
        </Shell>
      );
    }
  }
  if (onRoot) return null;
  const ns = matchPath("/ns/:ns/*rest", pathname)?.ns ?? "default";
  return (
    <Shell ns={ns} section="">
      <NotFoundPage />
    </Shell>
  );
}

export function App() {
  return (
    <I18nProvider>
      <RefreshProvider>
        <ToastProvider>
          <Routes />
        </ToastProvider>
      </RefreshProvider>
    </I18nProvider>
  );
}
