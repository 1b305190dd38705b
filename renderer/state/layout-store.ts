/**
 * Node positions: layout metadata kept beside the blueprint in `<name>.layout.json`, never
 * in it (DESIGN.md §4). Positions are relative to the parent box, keyed by template name.
 */
import { create } from 'zustand';

export interface Point {
  x: number;
  y: number;
}

export interface LayoutState {
  positions: Record<string, Point>;
  /** Changed since loaded/saved. */
  dirty: boolean;
  /** Bumped when the canvas should fit the whole graph in view (a file opened, a layout computed). */
  fitRequest: number;
  requestFit(): void;
  setPositions(positions: Record<string, Point>, markDirty?: boolean): void;
  movePositions(moves: Record<string, Point>): void;
  rename(from: string, to: string): void;
  markClean(): void;
  reset(): void;
}

export const useLayoutStore = create<LayoutState>()((set) => ({
  positions: {},
  dirty: false,
  fitRequest: 0,
  requestFit: () => set((s) => ({ fitRequest: s.fitRequest + 1 })),
  setPositions: (positions, markDirty = false) => set({ positions, dirty: markDirty }),
  movePositions: (moves) => set((s) => ({ positions: { ...s.positions, ...moves }, dirty: true })),
  rename: (from, to) =>
    set((s) => {
      const { [from]: p, ...rest } = s.positions;
      return p ? { positions: { ...rest, [to]: p }, dirty: true } : s;
    }),
  markClean: () => set({ dirty: false }),
  reset: () => set({ positions: {}, dirty: false }),
}));

/** The layout file that belongs to a blueprint file: `app.yaml` -> `app.layout.json`. */
export function layoutPathFor(blueprintPath: string): string {
  return blueprintPath.replace(/\.ya?ml$/i, '') + '.layout.json';
}
