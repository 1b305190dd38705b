/**
 * The designer's commands: every graph action (from the canvas, palette, inspector or a
 * shortcut) goes through `runEdits`, which applies typed EditOps to the current text and
 * hands the minimal edits to the text buffer (Monaco). Nothing else writes blueprint text.
 */
import type { TypeInfo } from '../../engine/host/contract';
import { relationshipKindOf, useCatalogStore } from '../state/catalog-store';
import { useLayoutStore, type Point } from '../state/layout-store';
import { useProjectionStore } from '../state/projection-store';
import { useSelectionStore } from '../state/selection-store';
import { useUiStore } from '../state/ui-store';
import type { BlueprintModel, TemplateModel } from './model';
import { textBuffer } from './text-buffer';
import { applyEdits, EditError } from './yaml-edit/apply-edits';
import type { EditOp, PlainValue } from './yaml-edit/edit-ops';

/** Applies ops as one undoable step. Returns false (and tells the user why) when refused. */
export function runEdits(ops: readonly EditOp[]): boolean {
  if (ops.length === 0) return true;
  const buffer = textBuffer();
  const byName = useCatalogStore.getState().byName;
  try {
    const { edits } = applyEdits(buffer.getText(), ops, { isContainment: (t) => relationshipKindOf(byName, t) === 'contained_in' });
    buffer.applyEdits(edits);
    return true;
  } catch (error) {
    if (error instanceof EditError) {
      useUiStore.getState().notify('error', error.message);
      return false;
    }
    throw error;
  }
}

/** `cloudify.nodes.WebServer` -> `web_server`. */
export function baseNameFor(type: string): string {
  const last = type.split('.').pop() ?? 'node';
  const snake = last
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .toLowerCase();
  return snake || 'node';
}

/** A name not used by any template: `base`, `base_2`, `base_3`... */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

function currentModel(): BlueprintModel | null {
  return useProjectionStore.getState().model;
}

function takenNames(): Set<string> {
  return new Set(currentModel()?.templates.map((t) => t.name) ?? []);
}

/**
 * Required properties with their defaults, written into a new template so the user sees
 * what to adjust. Empty defaults ('' / {} / []) and deprecated properties are left out
 * (Cloudify makes every property required by default; writing those would only be noise).
 * Required properties without a default are not written: the problems list and the
 * inspector flag them.
 */
export function requiredDefaults(info: TypeInfo | undefined): Record<string, PlainValue> {
  const out: Record<string, PlainValue> = {};
  for (const [name, schema] of Object.entries(info?.properties ?? {})) {
    const d = schema.default;
    if (!schema.required || d === undefined || d === null || d === '') continue;
    if (typeof d === 'object' && Object.keys(d).length === 0) continue;
    if (/deprecated/i.test(schema.description ?? '')) continue;
    out[name] = d;
  }
  return out;
}

/** Can a template host others (be dropped onto)? */
export function canHost(t: TemplateModel, byName: ReadonlyMap<string, TypeInfo>, hasChildren: boolean): boolean {
  if (hasChildren) return true;
  const hierarchy = byName.get(t.type)?.hierarchy ?? [t.type];
  return hierarchy.some((h) => /(^|\.)(Compute|Server|Container|Tier|Host|Namespace|Platform)$/.test(h));
}

/** Is a node type a machine (never nested into another by a drop)? */
export function isCompute(type: string, byName: ReadonlyMap<string, TypeInfo>): boolean {
  return (byName.get(type)?.hierarchy ?? [type]).some((h) => /(^|\.)(Compute|Server)$/.test(h));
}

/** Creates a template of `type` at `position` (relative to `host`'s box when given). */
export function addTemplate(type: string, position: Point, host?: string): string | undefined {
  const byName = useCatalogStore.getState().byName;
  const name = uniqueName(baseNameFor(type), takenNames());
  const containment = defaultContainmentType(byName);
  useLayoutStore.getState().movePositions({ [name]: position });
  const ok = runEdits([
    {
      kind: 'addNode',
      name,
      type,
      properties: requiredDefaults(byName.get(type)),
      ...(host !== undefined ? { host: { name: host, relationshipType: containment } } : {}),
    },
  ]);
  if (!ok) return undefined;
  useSelectionStore.getState().selectNodes([name], 'other');
  return name;
}

function defaultContainmentType(byName: ReadonlyMap<string, TypeInfo>): string {
  return byName.has('cloudify.relationships.contained_in') || byName.size === 0
    ? 'cloudify.relationships.contained_in'
    : ([...byName.values()].find((t) => t.relationshipKind === 'contained_in')?.name ?? 'cloudify.relationships.contained_in');
}

/** Deletes the selected templates (and their references) or the selected relationship. */
export function deleteSelection(): void {
  const { nodes, edge } = useSelectionStore.getState();
  if (edge) {
    if (runEdits([{ kind: 'removeRelationship', source: edge.source, index: edge.index }])) useSelectionStore.getState().selectEdge(null);
    return;
  }
  if (nodes.length === 0) return;
  // Children of a deleted host go too (they cannot exist without it in the graph's terms).
  if (runEdits(nodes.map((name) => ({ kind: 'removeNode' as const, name })))) useSelectionStore.getState().selectNodes([]);
}

/** Copied templates: their plain bodies, keyed by name (kept in memory and the clipboard). */
let clipboard: { name: string; body: Record<string, PlainValue> }[] = [];

/** Copies the selected templates. */
export function copySelection(): number {
  const model = currentModel();
  const names = new Set(useSelectionStore.getState().nodes);
  if (!model || names.size === 0) return 0;
  clipboard = model.templates.filter((t) => names.has(t.name)).map((t) => ({ name: t.name, body: bodyOf(t) }));
  void navigator.clipboard?.writeText(JSON.stringify({ trellisTemplates: clipboard })).catch(() => undefined);
  return clipboard.length;
}

function bodyOf(t: TemplateModel): Record<string, PlainValue> {
  const body: Record<string, PlainValue> = { type: t.type };
  if (Object.keys(t.properties).length > 0) body.properties = t.properties as PlainValue;
  if (Object.keys(t.interfaces).length > 0) body.interfaces = t.interfaces as PlainValue;
  if (t.relationships.length > 0) body.relationships = t.relationships.map((r) => ({ type: r.type, target: r.target }));
  if (t.instances !== 1) body.capabilities = { scalable: { properties: { default_instances: t.instances } } };
  return body;
}

/** Pastes copied templates with fresh names; relationships among them follow the renames. */
export function paste(offset: Point = { x: 40, y: 40 }): string[] {
  if (clipboard.length === 0) return [];
  const taken = takenNames();
  const renames = new Map<string, string>();
  for (const c of clipboard) {
    const fresh = uniqueName(c.name.replace(/_\d+$/, ''), taken);
    taken.add(fresh);
    renames.set(c.name, fresh);
  }
  const positions = useLayoutStore.getState().positions;
  const moves: Record<string, Point> = {};
  const ops: EditOp[] = clipboard.map((c) => {
    const body = structuredClone(c.body);
    if (Array.isArray(body.relationships)) {
      body.relationships = body.relationships.filter((r) => {
        const target = (r as { target?: string }).target ?? '';
        return renames.has(target) || taken.has(target);
      });
      for (const r of body.relationships as { target: string }[]) r.target = renames.get(r.target) ?? r.target;
      if (body.relationships.length === 0) delete body.relationships;
    }
    const p = positions[c.name];
    if (p) moves[renames.get(c.name)!] = { x: p.x + offset.x, y: p.y + offset.y };
    return { kind: 'addNode', name: renames.get(c.name)!, type: typeof body.type === 'string' ? body.type : '', body };
  });
  useLayoutStore.getState().movePositions(moves);
  if (!runEdits(ops)) return [];
  const names = [...renames.values()];
  useSelectionStore.getState().selectNodes(names, 'other');
  return names;
}

/** Copy + paste in one step. */
export function duplicateSelection(): string[] {
  const saved = clipboard;
  if (copySelection() === 0) return [];
  const names = paste();
  clipboard = saved.length > 0 ? saved : clipboard;
  return names;
}

/** Renames a template in the text and in the layout. */
export function renameTemplate(from: string, to: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(to)) {
    useUiStore.getState().notify('error', `"${to}" is not a valid template name (letters, digits, _ . -).`);
    return false;
  }
  if (!runEdits([{ kind: 'renameNode', from, to }])) return false;
  useLayoutStore.getState().rename(from, to);
  useSelectionStore.getState().selectNodes([to], 'other');
  return true;
}
