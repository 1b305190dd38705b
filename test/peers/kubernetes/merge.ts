/**
 * Server-side apply, simplified but with the semantics clients rely on: each field manager
 * owns the leaf fields it last applied; applying again removes the fields it no longer
 * sets, merges the rest (lists of objects keyed by `name`, other lists atomic), and a field
 * another manager owns with a different value is a conflict unless `force` is given, in
 * which case ownership moves. Updates (PUT, merge patch) take ownership of changed fields.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const keyedList = (v: unknown): v is Obj[] => Array.isArray(v) && v.length > 0 && v.every((e) => isObj(e) && typeof e.name === 'string');

/** Leaf paths of an object as strings: `spec.template.spec.containers[name=web].image`. */
export function leafPaths(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (isObj(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) for (const [p, leaf] of leafPaths(v, prefix ? `${prefix}.${k}` : k)) out.set(p, leaf);
  } else if (keyedList(value)) {
    for (const item of value) {
      const itemPath = `${prefix}[name=${String(item.name)}]`;
      for (const [p, leaf] of leafPaths(item, itemPath)) out.set(p, leaf);
    }
  } else out.set(prefix, value);
  return out;
}

/** Fields the server sets: never owned, never taken from an applied configuration. */
const SERVER_FIELDS = ['metadata.resourceVersion', 'metadata.uid', 'metadata.generation', 'metadata.creationTimestamp', 'metadata.managedFields', 'metadata.deletionTimestamp', 'status'];
const serverField = (p: string) => SERVER_FIELDS.some((s) => p === s || p.startsWith(`${s}.`) || p.startsWith(`${s}[`));

/** Applied configuration minus server-set fields. */
export function userFields(value: Obj): Map<string, unknown> {
  const out = leafPaths(value);
  for (const p of [...out.keys()]) if (serverField(p)) out.delete(p);
  return out;
}

/** Splits `a.b[name=x].c` into segments; keyed segments are `{name}` objects. */
function segments(path: string): (string | { name: string })[] {
  const out: (string | { name: string })[] = [];
  for (const part of path.match(/[^.[\]]+|\[name=[^\]]*\]/g) ?? []) {
    const m = /^\[name=(.*)\]$/.exec(part);
    out.push(m ? { name: m[1]! } : part);
  }
  return out;
}

function childOf(container: unknown, seg: string | { name: string }, create: boolean): unknown {
  if (typeof seg === 'string') {
    if (!isObj(container)) return undefined;
    if (container[seg] === undefined && create) container[seg] = {};
    return container[seg];
  }
  if (!Array.isArray(container)) return undefined;
  let item = container.find((e) => isObj(e) && e.name === seg.name);
  if (!item && create) {
    item = { name: seg.name };
    container.push(item);
  }
  return item;
}

/** Sets a leaf path, creating objects and keyed list items on the way. */
export function setPath(target: Obj, path: string, value: unknown): void {
  const segs = segments(path);
  let cursor: unknown = target;
  for (let i = 0; i < segs.length - 1; i++) {
    const seg = segs[i]!;
    const next = segs[i + 1]!;
    if (typeof seg === 'string' && isObj(cursor) && cursor[seg] === undefined) cursor[seg] = typeof next === 'string' ? {} : [];
    cursor = childOf(cursor, seg, true);
  }
  const last = segs[segs.length - 1]!;
  if (typeof last === 'string' && isObj(cursor)) cursor[last] = structuredClone(value);
}

/** Removes a leaf path and prunes objects and keyed items it leaves empty (a keyed item keeps only `name`). */
export function deletePath(target: Obj, path: string): void {
  const segs = segments(path);
  const trail: unknown[] = [target];
  let cursor: unknown = target;
  for (const seg of segs.slice(0, -1)) {
    cursor = childOf(cursor, seg, false);
    if (cursor === undefined) return;
    trail.push(cursor);
  }
  const last = segs[segs.length - 1]!;
  if (typeof last === 'string' && isObj(cursor)) delete cursor[last];
  for (let i = trail.length - 1; i > 0; i--) {
    const node = trail[i];
    const parent = trail[i - 1];
    const seg = segs[i - 1]!;
    const empty = isObj(node) && (Object.keys(node).length === 0 || (typeof seg !== 'string' && Object.keys(node).length === 1 && 'name' in node));
    if (!empty) break;
    if (typeof seg === 'string' && isObj(parent)) delete parent[seg];
    else if (Array.isArray(parent)) parent.splice(parent.indexOf(node), 1);
  }
}

/** Field ownership of one object: manager -> owned leaf paths. */
export type Ownership = Map<string, Set<string>>;

/** Result of an apply: the merged object, or the conflicting fields and their owners. */
export type ApplyResult = { ok: true; object: Obj } | { ok: false; conflicts: { path: string; manager: string }[] };

function valueAt(map: Map<string, unknown>, path: string): string {
  return JSON.stringify(map.get(path));
}

/** Applies `applied` for `manager` over `live` (undefined: the object is new), updating `owners`. */
export function serverSideApply(live: Obj | undefined, applied: Obj, manager: string, force: boolean, owners: Ownership): ApplyResult {
  const appliedLeaves = userFields(applied);
  const liveLeaves = live ? leafPaths(live) : new Map<string, unknown>();
  const conflicts: { path: string; manager: string }[] = [];
  for (const [other, paths] of owners) {
    if (other === manager) continue;
    for (const p of appliedLeaves.keys()) {
      if (paths.has(p) && valueAt(liveLeaves, p) !== valueAt(appliedLeaves, p)) conflicts.push({ path: p, manager: other });
    }
  }
  if (conflicts.length > 0 && !force) return { ok: false, conflicts };
  for (const c of conflicts) owners.get(c.manager)?.delete(c.path);
  const result: Obj = live ? structuredClone(live) : {};
  const previous = owners.get(manager) ?? new Set<string>();
  const ownedByOthers = new Set([...owners].filter(([m]) => m !== manager).flatMap(([, s]) => [...s]));
  for (const p of previous) if (!appliedLeaves.has(p) && !ownedByOthers.has(p)) deletePath(result, p);
  for (const [p, v] of appliedLeaves) setPath(result, p, v);
  owners.set(manager, new Set(appliedLeaves.keys()));
  return { ok: true, object: result };
}

/** Records that `manager` updated `after` (from `before`): it now owns the changed fields. */
export function recordUpdate(before: Obj | undefined, after: Obj, manager: string, owners: Ownership): void {
  const was = before ? leafPaths(before) : new Map<string, unknown>();
  const now = userFields(after);
  const mine = owners.get(manager) ?? new Set<string>();
  for (const [p, v] of now) {
    if (JSON.stringify(was.get(p)) === JSON.stringify(v) && before) continue;
    for (const [m, paths] of owners) if (m !== manager) paths.delete(p);
    mine.add(p);
  }
  owners.set(manager, mine);
}

/** RFC 7386 JSON merge patch (null deletes). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
