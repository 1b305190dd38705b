/** The window: top bar, the Designer or Runner tab, a status bar, dialogs and notices. */
import { useEffect, useMemo, useRef, type JSX } from 'react';
import { canvasCommands } from './designer/canvas-commands';
import { DesignerView } from './designer/DesignerView';
import { OpenDialog, SaveAsDialog, ShortcutsDialog } from './designer/Dialogs';
import { newDocument, openFile, openWithDialog, save, saveAs, startSession } from './designer/session';
import { useShortcuts } from './designer/shortcuts';
import { textBuffer } from './designer/text-buffer';
import { getShell } from './host';
import { RunnerView } from './runner/RunnerView';
import { selectDirty, useDocumentStore } from './state/document-store';
import { useProblemsStore } from './state/problems-store';
import { useProjectionStore } from './state/projection-store';
import { useUiStore } from './state/ui-store';
import { useEffectiveTheme } from './ui/theme';
import { TopBar } from './ui/TopBar';

function StatusBar(): JSX.Element {
  const templates = useProjectionStore((s) => s.model?.templates.length ?? 0);
  const ms = useProjectionStore((s) => s.lastMs);
  const syntax = useProjectionStore((s) => s.errors.length);
  const problems = useProblemsStore((s) => s.problems);
  const errors = problems.filter((p) => p.severity === 'error').length;
  return (
    <footer className="statusbar" data-testid="status">
      <span>{templates} node templates</span>
      <span className={syntax + errors > 0 ? 'err' : ''}>
        {syntax > 0 ? 'YAML error' : `${errors} errors, ${problems.length - errors} warnings`}
      </span>
      <span>graph updated in {ms.toFixed(1)} ms</span>
    </footer>
  );
}

export function App(): JSX.Element {
  const themeChoice = useUiStore((s) => s.theme);
  const theme = useEffectiveTheme(themeChoice);
  const tab = useUiStore((s) => s.tab);
  const dialog = useUiStore((s) => s.dialog);
  const notice = useUiStore((s) => s.notice);
  const findRef = useRef<HTMLInputElement | null>(null);
  const actions = useMemo(() => ({ fit: () => canvasCommands().fit(), find: () => findRef.current?.focus() }), []);
  useShortcuts(actions);

  useEffect(() => startSession(), []);

  // Open a file named in the URL (?file=/abs/path.yaml), e.g. from `trellis serve <file>`.
  useEffect(() => {
    const file = new URLSearchParams(window.location.search).get('file');
    if (file) void openFile(file);
  }, []);

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => useUiStore.getState().clearNotice(), notice.kind === 'error' ? 6000 : 2500);
    return () => clearTimeout(t);
  }, [notice]);

  // Desktop shell: menu commands, and keep the title/close guard informed.
  useEffect(() => {
    const shell = getShell();
    if (!shell) return;
    const off = shell.onCommand((c) => {
      const ui = useUiStore.getState();
      switch (c.command) {
        case 'file.new':
          return newDocument();
        case 'file.open':
        case 'file.openRecent':
          return void (c.path ? openFile(c.path) : openWithDialog());
        case 'file.save':
          return void save();
        case 'file.saveAs':
          return void saveAs();
        case 'file.close':
          return newDocument();
        case 'edit.undo':
          return textBuffer().undo();
        case 'edit.redo':
          return textBuffer().redo();
        case 'edit.find':
          return findRef.current?.focus();
        case 'view.togglePalette':
          return ui.toggle('paletteOpen');
        case 'view.toggleYaml':
          return ui.toggle('yamlOpen');
        case 'view.toggleInspector':
          return ui.toggle('inspectorOpen');
        case 'view.toggleProblems':
          return ui.toggle('problemsOpen');
        case 'view.theme':
          return ui.setTheme(c.theme ?? 'system');
        case 'app.saveBeforeClose':
          return void save().then((ok) => ok && shell.document.closeWindow());
      }
    });
    const unsub = useDocumentStore.subscribe((s, prev) => {
      if (s.filePath !== prev.filePath || selectDirty(s) !== selectDirty(prev)) shell.document.setState({ ...(s.filePath ? { path: s.filePath } : {}), dirty: selectDirty(s) });
    });
    return () => {
      off();
      unsub();
    };
  }, []);

  // Browser: warn before leaving with unsaved changes.
  useEffect(() => {
    if (getShell()) return;
    const onBeforeUnload = (e: BeforeUnloadEvent): void => {
      if (selectDirty(useDocumentStore.getState())) e.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  return (
    <div className="app">
      <TopBar findRef={findRef} />
      <div style={{ minHeight: 0, display: 'flex', flexDirection: 'column' }}>
        <div style={{ display: tab === 'designer' ? 'contents' : 'none' }}>
          <DesignerView theme={theme} />
        </div>
        {tab === 'runner' && <RunnerView />}
      </div>
      <StatusBar />
      {dialog === 'open' && <OpenDialog />}
      {dialog === 'saveAs' && <SaveAsDialog />}
      {dialog === 'shortcuts' && <ShortcutsDialog />}
      {notice && (
        <div className={`notice ${notice.kind}`} role="status" data-testid="notice">
          {notice.text}
        </div>
      )}
    </div>
  );
}
