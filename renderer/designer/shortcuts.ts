/**
 * Keyboard shortcuts of the designer. Inside the YAML editor Monaco keeps its own keys
 * (undo/redo/find/copy act on text there); elsewhere they act on the graph.
 */
import { useEffect } from 'react';
import { useUiStore } from '../state/ui-store';
import { copySelection, deleteSelection, duplicateSelection, paste } from './edit-actions';
import { newDocument, openWithDialog, save, saveAs } from './session';
import { textBuffer } from './text-buffer';

/** [keys, what] for the help sheet. */
export const shortcutList: [string, string][] = [
  ['Ctrl+S', 'Save'],
  ['Ctrl+Shift+S', 'Save as'],
  ['Ctrl+O', 'Open'],
  ['Ctrl+Alt+N', 'New blueprint'],
  ['Ctrl+Z', 'Undo (graph and YAML share one history)'],
  ['Ctrl+Shift+Z / Ctrl+Y', 'Redo'],
  ['Delete / Backspace', 'Delete the selection (and references to it)'],
  ['Ctrl+C / Ctrl+V', 'Copy / paste node templates'],
  ['Ctrl+D', 'Duplicate the selection'],
  ['Shift+F', 'Fit the graph to the window'],
  ['Ctrl+F', 'Find a node (in the YAML: find text)'],
  ['Ctrl+B', 'Toggle the palette'],
  ['Ctrl+Alt+Y', 'Toggle the YAML pane'],
  ['Ctrl+Alt+I', 'Toggle the inspector'],
  ['Ctrl+J', 'Toggle the problems list'],
  ['Shift+?', 'Show these shortcuts'],
];

function inEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest('.monaco-editor')) return true;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Installs the window-level shortcuts. `fit` and `find` come from the views that own them. */
export function useShortcuts(actions: { fit: () => void; find: () => void }): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      const editable = inEditable(e.target);
      const ui = useUiStore.getState();
      const run = (f: () => unknown): void => {
        e.preventDefault();
        e.stopPropagation();
        void f();
      };
      if (mod && key === 's') return run(() => (e.shiftKey ? saveAs() : save()));
      if (mod && key === 'o') return run(openWithDialog);
      if (mod && e.altKey && key === 'n') return run(newDocument);
      if (mod && key === 'b') return run(() => ui.toggle('paletteOpen'));
      if (mod && e.altKey && key === 'y') return run(() => ui.toggle('yamlOpen'));
      if (mod && e.altKey && key === 'i') return run(() => ui.toggle('inspectorOpen'));
      if (mod && key === 'j') return run(() => ui.toggle('problemsOpen'));
      if (editable) return;
      if (mod && key === 'z') return run(() => (e.shiftKey ? textBuffer().redo() : textBuffer().undo()));
      if (mod && key === 'y') return run(() => textBuffer().redo());
      if (mod && key === 'f') return run(actions.find);
      if (mod && key === 'c') return run(copySelection);
      if (mod && key === 'v') return run(() => paste());
      if (mod && key === 'd') return run(duplicateSelection);
      if (key === 'delete' || key === 'backspace') return run(deleteSelection);
      if (e.shiftKey && key === 'f') return run(actions.fit);
      if (e.key === '?') return run(() => ui.setDialog('shortcuts'));
      if (key === 'escape') ui.setDialog(null);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [actions]);
}
