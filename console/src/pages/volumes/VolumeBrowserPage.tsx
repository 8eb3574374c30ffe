/** Browse one volume: folders, files, upload (files or drag and drop), download, delete. */
import { useRef, useState, type DragEvent } from "react";
import { api } from "../../api/client";
import type { FileEntry } from "../../api/types";
import { DeleteButton } from "../../components/actions";
import { DeleteDialog, Dialog } from "../../components/Dialog";
import { TextInput } from "../../components/form";
import { Icon } from "../../components/icons";
import { Empty, Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { Link, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { DataTable } from "../../components/Table";
import { Age, formatBytes } from "../../components/time";
import { useToast } from "../../components/toast";
import { useI18n } from "../../i18n";

export default function VolumeBrowserPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const volume = params.volume;
  const path = params.path ?? "";
  const state = useApi(() => api.volumes.listDir(ns, volume, path), [ns, volume, path]);
  const input = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [deleting, setDeleting] = useState<FileEntry | null>(null);
  const [folder, setFolder] = useState<string | null>(null);
  const join = (name: string) => (path ? `${path}/${name}` : name);

  const upload = async (files: FileList | File[]) => {
    const list = [...files];
    setUploading(list.length);
    try {
      for (const f of list) await api.volumes.upload(ns, volume, join(f.name), f);
      toast.success(t("volumes.uploaded", { n: list.length }));
      state.reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setUploading(0);
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length) void upload(e.dataTransfer.files);
  };

  const parts = path.split("/").filter(Boolean);
  return (
    <div className="page">
      <PageHeader
        crumbs={[{ label: t("nav.volumes"), to: paths.volumes(ns) }]}
        title={
          <>
            <Icon name="volume" size={20} /> {volume}
          </>
        }
        actions={
          <>
            <button className="btn" onClick={() => setFolder("")}>
              <Icon name="folder" />
              {t("volumes.newFolder")}
            </button>
            <button className="btn btn-primary" onClick={() => input.current?.click()} disabled={!!uploading} data-testid="upload">
              <Icon name="upload" />
              {uploading ? t("volumes.uploading", { n: uploading }) : t("volumes.upload")}
            </button>
            <input
              ref={input}
              type="file"
              multiple
              hidden
              data-testid="upload-input"
              onChange={(e) => {
                if (e.target.files?.length) void upload(e.target.files);
                e.target.value = "";
              }}
            />
          </>
        }
      />
      <nav className="path-bar">
        <Link to={paths.volume(ns, volume)}>{volume}</Link>
        {parts.map((p, i) => (
          <span key={i}>
            <Icon name="right" size={12} />
            <Link to={paths.volume(ns, volume, parts.slice(0, i + 1).join("/"))}>{p}</Link>
          </span>
        ))}
      </nav>
      <div
        className={`card dropzone ${dragging ? "dropzone-active" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <Loaded state={state}>
          {(list) => (
            <DataTable
              rows={[...list.items].sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === "dir" ? -1 : 1))}
              rowKey={(f) => f.name}
              testId="file-table"
              empty={<Empty>{t("volumes.emptyFolder")}</Empty>}
              columns={[
                {
                  header: t("common.name"),
                  cell: (f) =>
                    f.type === "dir" ? (
                      <Link to={paths.volume(ns, volume, join(f.name))} className="strong-link">
                        <Icon name="folder" size={14} /> {f.name}
                      </Link>
                    ) : (
                      <a href={api.volumes.fileUrl(ns, volume, join(f.name))} target="_blank" rel="noreferrer">
                        <Icon name="file" size={14} /> {f.name}
                      </a>
                    ),
                },
                { header: t("volumes.size"), className: "tabular muted", cell: (f) => (f.type === "dir" ? "—" : formatBytes(f.size)) },
                { header: t("volumes.modified"), className: "muted", cell: (f) => <Age value={f.modified} /> },
              ]}
              actions={(f) => (
                <>
                  {f.type === "file" && (
                    <a className="icon-button" href={api.volumes.fileUrl(ns, volume, join(f.name), true)} title={t("common.download")} aria-label={t("common.download")}>
                      <Icon name="download" size={14} />
                    </a>
                  )}
                  <DeleteButton label={t("common.delete")} onClick={() => setDeleting(f)} />
                </>
              )}
            />
          )}
        </Loaded>
        <div className="dropzone-hint">{t("volumes.dropHint")}</div>
      </div>
      {folder !== null && (
        <Dialog
          title={t("volumes.newFolder")}
          onClose={() => setFolder(null)}
          footer={
            <button
              className="btn btn-primary"
              disabled={!folder}
              onClick={async () => {
                try {
                  // Folders exist through their files: a hidden marker makes an empty one.
                  await api.volumes.upload(ns, volume, `${join(folder)}/.keep`, new Blob([]));
                  setFolder(null);
                  state.reload();
                } catch (err) {
                  toast.error(err);
                }
              }}
            >
              {t("common.create")}
            </button>
          }
        >
          <TextInput value={folder} onChange={setFolder} placeholder={t("volumes.folderName")} mono autoFocus />
        </Dialog>
      )}
      {deleting && (
        <DeleteDialog
          title={t("volumes.deleteFileTitle")}
          name={deleting.name}
          remove={() => api.volumes.deleteFile(ns, volume, join(deleting.name))}
          onDeleted={state.reload}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
