/**
 * The palette: every node and relationship type the document can use (core, plugin
 * libraries, the blueprint's own), grouped by library, searchable. Node types are dragged
 * onto the canvas (or double-clicked to add); relationship types are listed for reference
 * and drawn by dragging between node handles.
 */
import { useMemo, useState, type JSX } from 'react';
import type { TypeInfo } from '../../engine/host/contract';
import { useCatalogStore } from '../state/catalog-store';
import { iconFor, TypeIcon } from '../ui/TypeIcon';
import { paletteMime } from './Canvas';
import { addTemplate } from './edit-actions';

function matches(t: TypeInfo, q: string): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  return t.name.toLowerCase().includes(needle) || (t.description ?? '').toLowerCase().includes(needle) || t.library.toLowerCase().includes(needle);
}

export function Palette(): JSX.Element {
  const catalog = useCatalogStore((s) => s.catalog);
  const error = useCatalogStore((s) => s.error);
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const out = new Map<string, { nodes: TypeInfo[]; relationships: TypeInfo[] }>();
    for (const t of catalog?.types ?? []) {
      if (!matches(t, query)) continue;
      const g = out.get(t.library) ?? { nodes: [], relationships: [] };
      (t.kind === 'node' ? g.nodes : g.relationships).push(t);
      out.set(t.library, g);
    }
    const order = (lib: string): number => (lib === 'blueprint' ? 0 : lib === 'core' ? 1 : 2);
    return [...out.entries()].sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b));
  }, [catalog, query]);

  return (
    <aside className="pane palette" data-testid="palette" aria-label="Palette">
      <div className="pane-header">Palette</div>
      <input className="search" type="search" placeholder="Search types…" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="palette-search" />
      <div className="pane-body">
        {!catalog && !error && <div className="empty-note">Loading types…</div>}
        {error && <div className="empty-note">Types unavailable: {error}</div>}
        {catalog && groups.length === 0 && <div className="empty-note">No type matches “{query}”.</div>}
        {groups.map(([library, g]) => (
          <details key={library} className="group" open>
            <summary>
              {library === 'core' ? 'Core types' : library === 'blueprint' ? 'This blueprint' : library} ({g.nodes.length + g.relationships.length})
            </summary>
            {g.nodes.map((t) => (
              <div
                key={t.name}
                className="item"
                draggable
                data-testid={`palette-${t.name}`}
                title={`${t.name}\n${t.description ?? ''}\nDrag onto the canvas, or double-click to add.`}
                onDragStart={(e) => {
                  e.dataTransfer.setData(paletteMime, t.name);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                onDoubleClick={() => addTemplate(t.name, { x: 40, y: 40 })}
              >
                <TypeIcon icon={iconFor(t.name, t.hierarchy)} />
                <div>
                  <div className="name">{t.name.split('.').pop()}</div>
                  <div className="desc">{t.description ?? t.name}</div>
                </div>
              </div>
            ))}
            {g.relationships.map((t) => (
              <div key={t.name} className="item rel" title={`${t.name}\n${t.description ?? ''}\nDraw it by dragging from one node's handle to another.`}>
                <span aria-hidden>⟶</span>
                <div>
                  <div className="name">{t.name.split('.').pop()}</div>
                  <div className="desc">{t.description ?? `relationship (${t.relationshipKind ?? 'depends_on'})`}</div>
                </div>
              </div>
            ))}
          </details>
        ))}
      </div>
    </aside>
  );
}
