import { useState } from "react";
import { api } from "../../api/client";
import { CreateButton, DeleteButton } from "../../components/actions";
import { DeleteDialog, Dialog } from "../../components/Dialog";
import { TextInput } from "../../components/form";
import { Icon } from "../../components/icons";
import { Empty, Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { Link, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { DataTable } from "../../components/Table";
import { formatBytes } from "../../components/time";
import { useToast } from "../../components/toast";
import { useI18n } from "../../i18n";

export default function VolumeListPage() {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const state = useApi(() => api.volumes.list(ns), [ns]);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const [deleting, setDeleting] = useState<string | null>(null);

  const create = async () => {
    try {
      await api.volumes.create(ns, name);
      toast.success(t("volumes.created", { name }));
      setCreating(false);
      setName("");
      state.reload();
    } catch (err) {
      toast.error(err);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title={t("nav.volumes")}
        actions={<CreateButton label={t("volumes.create")} onClick={() => setCreating(true)} testId="create-volume" />}
      >
        <p className="page-subtitle">{t("volumes.explain")}</p>
      </PageHeader>
      <div className="card">
        <Loaded state={state}>
          {(list) => (
            <DataTable
              rows={list.items}
              rowKey={(v) => v.name}
              testId="volume-table"
              empty={<Empty action={<CreateButton label={t("volumes.create")} onClick={() => setCreating(true)} bare />}>{t("volumes.empty")}</Empty>}
              columns={[
                {
                  header: t("common.name"),
                  cell: (v) => (
                    <Link to={paths.volume(ns, v.name)} className="strong-link">
                      <Icon name="volume" size={14} /> {v.name}
                    </Link>
                  ),
                },
                { header: t("volumes.files"), className: "tabular", cell: (v) => v.files },
                { header: t("volumes.size"), className: "tabular muted", cell: (v) => formatBytes(v.bytes) },
              ]}
              actions={(v) => <DeleteButton label={t("common.delete")} onClick={() => setDeleting(v.name)} />}
            />
          )}
        </Loaded>
      </div>
      {creating && (
        <Dialog
          title={t("volumes.create")}
          onClose={() => setCreating(false)}
          footer={
            <>
              <button className="btn" onClick={() => setCreating(false)}>
                {t("common.cancel")}
              </button>
              <button className="btn btn-primary" disabled={!name} onClick={create} data-testid="submit-volume">
                {t("common.create")}
              </button>
            </>
          }
        >
          <TextInput value={name} onChange={setName} placeholder={t("volumes.namePlaceholder")} mono autoFocus testId="volume-name" />
        </Dialog>
      )}
      {deleting && (
        <DeleteDialog
          title={t("volumes.deleteTitle")}
          name={deleting}
          message={t("volumes.deleteConfirm", { name: deleting })}
          remove={() => api.volumes.delete(ns, deleting)}
          onDeleted={state.reload}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
