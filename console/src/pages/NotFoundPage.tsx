import { useI18n } from "../i18n";
import { Empty } from "../components/Page";
import { Link, paths } from "../components/router";
import { useNamespace } from "../components/Shell";

export function NotFoundPage() {
  const { t } = useI18n();
  const ns = useNamespace();
  return (
    <Empty action={<Link to={paths.templates(ns)}>{t("nav.templates")}</Link>}>{t("common.notFound")}</Empty>
  );
}
