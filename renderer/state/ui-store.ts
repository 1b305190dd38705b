/** Window chrome: theme, which panes are open, their sizes, the active tab, transient notices. */
import { create } from 'zustand';

export type ThemeChoice = 'light' | 'dark' | 'system';

export interface UiState {
  theme: ThemeChoice;
  tab: 'designer' | 'runner';
  paletteOpen: boolean;
  yamlOpen: boolean;
  inspectorOpen: boolean;
  problemsOpen: boolean;
  /** Width of the YAML pane in pixels. */
  yamlWidth: number;
  notice: { kind: 'info' | 'error'; text: string } | null;
  dialog: 'open' | 'saveAs' | 'shortcuts' | null;
  setTheme(theme: ThemeChoice): void;
  setTab(tab: UiState['tab']): void;
  toggle(pane: 'paletteOpen' | 'yamlOpen' | 'inspectorOpen' | 'problemsOpen'): void;
  setYamlWidth(width: number): void;
  notify(kind: 'info' | 'error', text: string): void;
  clearNotice(): void;
  setDialog(dialog: UiState['dialog']): void;
  reset(): void;
}

const initial = {
  theme: 'system' as ThemeChoice,
  tab: 'designer' as const,
  paletteOpen: true,
  yamlOpen: true,
  inspectorOpen: true,
  problemsOpen: true,
  yamlWidth: 420,
  notice: null,
  dialog: null,
};

export const useUiStore = create<UiState>()((set) => ({
  ...initial,
  setTheme: (theme) => set({ theme }),
  setTab: (tab) => set({ tab }),
  toggle: (pane) => set((s) => ({ [pane]: !s[pane] })),
  setYamlWidth: (yamlWidth) => set({ yamlWidth: Math.max(240, Math.min(1400, yamlWidth)) }),
  notify: (kind, text) => set({ notice: { kind, text } }),
  clearNotice: () => set({ notice: null }),
  setDialog: (dialog) => set({ dialog }),
  reset: () => set(initial),
}));
