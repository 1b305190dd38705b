/** What is selected on the canvas (node templates by name, or one relationship). */
import { create } from 'zustand';

export interface EdgeRef {
  source: string;
  index: number;
}

export interface SelectionState {
  nodes: string[];
  edge: EdgeRef | null;
  /** Where the selection came from: the editor's cursor must not be moved by its own echo. */
  origin: 'canvas' | 'editor' | 'other';
  selectNodes(nodes: string[], origin?: SelectionState['origin']): void;
  selectEdge(edge: EdgeRef | null): void;
  reset(): void;
}

export const useSelectionStore = create<SelectionState>()((set) => ({
  nodes: [],
  edge: null,
  origin: 'other',
  selectNodes: (nodes, origin = 'canvas') => set({ nodes, edge: null, origin }),
  selectEdge: (edge) => set({ edge, nodes: [], origin: 'canvas' }),
  reset: () => set({ nodes: [], edge: null, origin: 'other' }),
}));
