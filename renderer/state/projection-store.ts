/**
 * The graph's source: the last projection of the YAML that parsed (DESIGN.md §4: invalid
 * YAML never blanks the graph) and the syntax errors of the current text, if any.
 */
import { create } from 'zustand';
import type { BlueprintModel, YamlSyntaxError } from '../designer/model';

export interface ProjectionState {
  /** Last good model; null until a text parsed. */
  model: BlueprintModel | null;
  /** Syntax errors of the current text (empty when it parsed). */
  errors: YamlSyntaxError[];
  /** Milliseconds the last projection took (shown in the status bar, read by the bench). */
  lastMs: number;
  setModel(model: BlueprintModel, ms: number): void;
  setErrors(errors: YamlSyntaxError[], ms: number): void;
  reset(): void;
}

export const useProjectionStore = create<ProjectionState>()((set) => ({
  model: null,
  errors: [],
  lastMs: 0,
  setModel: (model, ms) => set({ model, errors: [], lastMs: ms }),
  setErrors: (errors, ms) => set({ errors, lastMs: ms }),
  reset: () => set({ model: null, errors: [], lastMs: 0 }),
}));
