/** The type catalog the palette, inspector and canvas read (host `blueprint.typeCatalog`). */
import { create } from 'zustand';
import type { TypeCatalog, TypeInfo } from '../../engine/host/contract';

export interface CatalogState {
  catalog: TypeCatalog | null;
  /** Type name -> info, derived once per catalog. */
  byName: ReadonlyMap<string, TypeInfo>;
  error: string | null;
  setCatalog(catalog: TypeCatalog): void;
  setError(message: string): void;
  reset(): void;
}

const empty: ReadonlyMap<string, TypeInfo> = new Map();

export const useCatalogStore = create<CatalogState>()((set) => ({
  catalog: null,
  byName: empty,
  error: null,
  setCatalog: (catalog) => set({ catalog, byName: new Map(catalog.types.map((t) => [t.name, t])), error: null }),
  setError: (error) => set({ error }),
  reset: () => set({ catalog: null, byName: empty, error: null }),
}));

/** Is a relationship type a containment (contained_in or derived from it)? */
export function relationshipKindOf(byName: ReadonlyMap<string, TypeInfo>, type: string): 'contained_in' | 'connected_to' | 'depends_on' {
  const info = byName.get(type);
  if (info?.relationshipKind) return info.relationshipKind;
  if (info?.hierarchy.some((h) => h.endsWith('contained_in'))) return 'contained_in';
  if (info?.hierarchy.some((h) => h.endsWith('connected_to'))) return 'connected_to';
  if (/contained_in$/.test(type)) return 'contained_in';
  if (/connected_to/.test(type)) return 'connected_to';
  return 'depends_on';
}
