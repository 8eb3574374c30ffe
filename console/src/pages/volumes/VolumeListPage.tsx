import { useState } from "react";
import { api } from "../../api/client";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { TextInput } from "../../components/form";
import { Icon } from "../../components/icons";
import { Empty, Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { Link, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
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
        actions={
          <button className="btn btn-primary" onClick={() => setCreating(true)} data-testid="create-volume">
            <Icon name="plus" />
            {t("volumes.create")}
          </button>
        }
      >
        <p className="page-subtitle">{t("volumes.explain")}</p>
      </PageHeader>
      <div className="card">
        <Loaded state={state}>
          {(list) =>
            list.items.length ? (
              <table className="table" data-testid="volume-table">
                <thead>
                  <tr>
                    <th>{t("common.name")}</th>
                    <th>{t("volumes.files")}</th>
                    <th>{t("volumes.size")}</th>
                    <th className="actions-col" />
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((v) => (
                    <tr key={v.name}>
                      <td>
                        <Link to={paths.volume(ns, v.name)} className="strong-link">
                          <Icon name="volume" size={14} /> {v.name}
                        </Link>
                      </td>
                      <td className="tabular">{v.files}</td>
                      <td className="tabular muted">{formatBytes(v.bytes)}</td>
                      <td className="actions-col">
                        <button className="icon-button" aria-label={t("common.delete")} title={t("common.delete")} onClick={() => setDeleting(v.name)}>
                          <Icon name="trash" size={14} />
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty action={<button className="btn btn-primary" onClick={() => setCreating(true)}>{t("volumes.create")}</button>}>
                {t("volumes.empty")}
              </Empty>
            )
          }
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
        <ConfirmDialog
          title={t("volumes.deleteTitle")}
          message={t("volumes.deleteConfirm", { name: deleting })}
          confirmLabel={t("common.delete")}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            try {
              await api.volumes.delete(ns, deleting);
              toast.success(t("common.deleted", { name: deleting }));
              state.reload();
            } catch (err) {
              toast.error(err);
            }
          }}
        />
      )}
    </div>
  );
}
