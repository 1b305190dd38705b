/**
 * The open blueprint: its file, its text (mirroring the YAML pane's Monaco model, which owns
 * the undo history) and the text last saved. Dirty is derived, not stored.
 */
import { create } from 'zustand';

export interface DocumentState {
  /** Absolute path on disk; null for a new, never-saved blueprint. */
  filePath: string | null;
  text: string;
  savedText: string;
  /** Bumped on every load, so views can tell "a new document" from "an edit". */
  generation: number;
  setText(text: string): void;
  load(filePath: string | null, text: string): void;
  markSaved(filePath: string, text: string): void;
  reset(): void;
}

/** The starting text of a new blueprint. */
export const newBlueprintText = `tosca_definitions_version: cloudify_dsl_1_5

imports:
  - cloudify/types/types.yaml

node_templates: {}
`;

const initial = { filePath: null, text: newBlueprintText, savedText: newBlueprintText, generation: 0 };

export const useDocumentStore = create<DocumentState>()((set) => ({
  ...initial,
  setText: (text) => set({ text }),
  load: (filePath, text) => set((s) => ({ filePath, text, savedText: text, generation: s.generation + 1 })),
  markSaved: (filePath, text) => set({ filePath, savedText: text }),
  reset: () => set((s) => ({ ...initial, generation: s.generation + 1 })),
}));

/** Selector: unsaved changes? */
export const selectDirty = (s: DocumentState): boolean => s.text !== s.savedText;

/** Selector: the file's name for the title bar. */
export const selectFileName = (s: DocumentState): string => (s.filePath ? (s.filePath.split(/[\\/]/).pop() ?? s.filePath) : 'untitled.yaml');
