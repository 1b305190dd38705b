/** Document paths and raw locations, shared by the two readers (read.ts, fast-read.ts). */

/** Offsets of one element: its key (when it is a map entry) and its value. */
export interface Loc {
  /** Key start offset, -1 when the element is not a map entry. */
  ks: number;
  ke: number;
  vs: number;
  ve: number;
}

/** Joins a document path: keys with `.`, list indices as `[i]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
