export interface TabDef {
  id: string;
  label: string;
  hidden?: boolean;
}

export function Tabs({ tabs, active, onChange }: { tabs: TabDef[]; active: string; onChange(id: string): void }) {
  return (
    <div className="tabs" role="tablist">
      {tabs
        .filter((tab) => !tab.hidden)
        .map((tab) => (
          <button
            key={tab.id}
            role="tab"
            aria-selected={tab.id === active}
            className={`tab ${tab.id === active ? "tab-active" : ""}`}
            data-testid={`tab-${tab.id}`}
            onClick={() => onChange(tab.id)}
          >
            {tab.label}
          </button>
        ))}
    </div>
  );
}
