/**
 * The double's object store: objects by kind/namespace/name, a global resourceVersion
 * counter as etcd's revision, field ownership per object, and watch subscribers.
 */
import { randomUUID } from 'node:crypto';
import type { Ownership } from './merge';
import type { ResourceKind } from './resources';

type Obj = Record<string, unknown>;

/** A watch event as the API streams it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}

interface Entry {
  kind: ResourceKind;
  object: Obj;
  owners: Ownership;
}

const keyOf = (kind: ResourceKind, namespace: string | undefined, name: string) => `${kind.group}/${kind.resource}/${namespace ?? ''}/${name}`;

/** The metadata of a stored object. */
export function meta(object: Obj): Obj & { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string } {
  return object.metadata as never;
}

export class ObjectStore {
  private revision = 1;
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Set<(kind: ResourceKind, event: WatchEvent) => void>();

  get(kind: ResourceKind, namespace: string | undefined, name: string): Entry | undefined {
    return this.entries.get(keyOf(kind, namespace, name));
  }

  list(kind: ResourceKind, namespace?: string): Obj[] {
    const out: Obj[] = [];
    for (const e of this.entries.values()) {
      if (e.kind !== kind) continue;
      if (namespace !== undefined && meta(e.object).namespace !== namespace) continue;
      out.push(e.object);
    }
    return out.sort((a, b) => meta(a).name.localeCompare(meta(b).name));
  }

  /** Current revision (the list resourceVersion). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  /** Stores a new or changed object: stamps resourceVersion (and uid etc. when new), notifies watchers. */
  put(kind: ResourceKind, object: Obj, owners?: Ownership): Obj {
    const m = meta(object);
    const key = keyOf(kind, m.namespace, m.name);
    const existing = this.entries.get(key);
    this.revision += 1;
    m.resourceVersion = String(this.revision);
    if (!existing) {
      m.uid ??= randomUUID();
      m.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    }
    const stored = { kind, object, owners: owners ?? existing?.owners ?? new Map() };
    this.entries.set(key, stored);
    this.emit(kind, { type: existing ? 'MODIFIED' : 'ADDED', object });
    return object;
  }

  remove(kind: ResourceKind, namespace: string | undefined, name: string): Obj | undefined {
    const key = keyOf(kind, namespace, name);
    const existing = this.entries.get(key);
    if (!existing) return undefined;
    this.entries.delete(key);
    this.revision += 1;
    meta(existing.object).resourceVersion = String(this.revision);
    this.emit(kind, { type: 'DELETED', object: existing.object });
    return existing.object;
  }

  subscribe(listener: (kind: ResourceKind, event: WatchEvent) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  private emit(kind: ResourceKind, event: WatchEvent): void {
    for (const w of this.watchers) w(kind, { type: event.type, object: structuredClone(event.object) });
  }
}

/** Matches `a=b,c!=d,e` style label selectors (equality-based, plus existence). */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  return selector.split(',').every((term) => {
    const t = term.trim();
    if (!t) return true;
    const ne = /^([^!=]+)!=(.*)$/.exec(t);
    if (ne) return l[ne[1]!.trim()] !== ne[2]!.trim();
    const eq = /^([^=]+)==?(.*)$/.exec(t);
    if (eq) return l[eq[1]!.trim()] === eq[2]!.trim();
    if (t.startsWith('!')) return !(t.slice(1) in l);
    return t in l;
  });
}
