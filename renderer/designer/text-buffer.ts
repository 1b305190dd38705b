/**
 * Where graph edits land: the YAML pane registers its Monaco model here, so an edit is a
 * Monaco edit (cursor, selection and the one undo history survive; DESIGN.md §4). Before
 * the editor exists (or in tests) a plain buffer with its own undo stack stands in.
 */
import { useDocumentStore } from '../state/document-store';
import type { TextSpan } from './model';
import { applyTextEdits, type TextEdit } from './yaml-edit/text-splice';

export interface TextBuffer {
  getText(): string;
  /** Applies edits of the current text as one undoable step. */
  applyEdits(edits: readonly TextEdit[]): void;
  /** Replaces the whole text (opening a file): starts a fresh undo history. */
  setText(text: string): void;
  undo(): void;
  redo(): void;
  /** Scrolls the text to a span and highlights it (without taking focus). */
  reveal(span: TextSpan, select?: boolean): void;
}

/** A buffer on the document store with its own undo stack (no editor mounted). */
export function createPlainBuffer(): TextBuffer {
  const undo: string[] = [];
  const redo: string[] = [];
  const store = useDocumentStore;
  return {
    getText: () => store.getState().text,
    applyEdits(edits) {
      const before = store.getState().text;
      undo.push(before);
      redo.length = 0;
      store.getState().setText(applyTextEdits(before, edits));
    },
    setText(text) {
      undo.length = 0;
      redo.length = 0;
      store.getState().setText(text);
    },
    undo() {
      const prev = undo.pop();
      if (prev === undefined) return;
      redo.push(store.getState().text);
      store.getState().setText(prev);
    },
    redo() {
      const next = redo.pop();
      if (next === undefined) return;
      undo.push(store.getState().text);
      store.getState().setText(next);
    },
    reveal() {},
  };
}

let active: TextBuffer = createPlainBuffer();

/** The buffer graph edits go to. */
export function textBuffer(): TextBuffer {
  return active;
}

/** The YAML pane registers its editor (and unregisters on unmount). */
export function registerTextBuffer(buffer: TextBuffer): () => void {
  active = buffer;
  return () => {
    if (active === buffer) active = createPlainBuffer();
  };
}
