/** Trellis problems of the open blueprint, from host `blueprint.compile` (debounced). */
import { create } from 'zustand';
import type { Problem } from '../../engine/host/contract';

export interface ProblemsState {
  problems: Problem[];
  compiling: boolean;
  /** Set when the host could not be asked (engine down, transport error). */
  hostError: string | null;
  setProblems(problems: Problem[]): void;
  setCompiling(compiling: boolean): void;
  setHostError(message: string | null): void;
  reset(): void;
}

export const useProblemsStore = create<ProblemsState>()((set) => ({
  problems: [],
  compiling: false,
  hostError: null,
  setProblems: (problems) => set({ problems, compiling: false, hostError: null }),
  setCompiling: (compiling) => set({ compiling }),
  setHostError: (hostError) => set({ hostError, compiling: false }),
  reset: () => set({ problems: [], compiling: false, hostError: null }),
}));

/** Template name of a problem's document path (`node_templates.<name>...`), if any. */
export function problemTemplate(path: string): string | undefined {
  const m = /^node_templates\.([^.]+)/.exec(path);
  return m?.[1];
}
