/** The top bar: file name with dirty marker, Designer/Runner tabs, find, pane toggles, theme. */
import { useState, type JSX, type RefObject } from 'react';
import { selectDirty, selectFileName, useDocumentStore } from '../state/document-store';
import { useProjectionStore } from '../state/projection-store';
import { useSelectionStore } from '../state/selection-store';
import { useUiStore, type ThemeChoice } from '../state/ui-store';
import { canvasCommands } from '../designer/canvas-commands';
import { newDocument, openWithDialog, save } from '../designer/session';

export function TopBar({ findRef }: { findRef: RefObject<HTMLInputElement | null> }): JSX.Element {
  const fileName = useDocumentStore(selectFileName);
  const filePath = useDocumentStore((s) => s.filePath);
  const dirty = useDocumentStore(selectDirty);
  const tab = useUiStore((s) => s.tab);
  const theme = useUiStore((s) => s.theme);
  const [find, setFind] = useState('');
  const names = useProjectionStore((s) => s.model?.templates.map((t) => t.name).join('\n') ?? '');

  const goFind = (): void => {
    const list = names.split('\n');
    const hit = list.find((n) => n === find) ?? list.find((n) => n.toLowerCase().includes(find.toLowerCase()));
    if (!hit) return;
    useSelectionStore.getState().selectNodes([hit], 'other');
    canvasCommands().centerOn(hit);
  };

  return (
    <header className="topbar">
      <span className="brand">Trellis</span>
      <span className="file" title={filePath ?? 'Not saved yet'} data-testid="file-name">
        {fileName}
        {dirty && (
          <span className="dirty" title="Unsaved changes" data-testid="dirty-marker">
            ●
          </span>
        )}
      </span>
      <nav className="tabs" role="tablist">
        <button role="tab" aria-selected={tab === 'designer'} onClick={() => useUiStore.getState().setTab('designer')}>
          Designer
        </button>
        <button role="tab" aria-selected={tab === 'runner'} onClick={() => useUiStore.getState().setTab('runner')}>
          Runner
        </button>
      </nav>
      <button onClick={newDocument} title="New blueprint (Ctrl+Alt+N)">
        New
      </button>
      <button onClick={() => void openWithDialog()} title="Open (Ctrl+O)" data-testid="open-button">
        Open
      </button>
      <button onClick={() => void save()} title="Save (Ctrl+S)" data-testid="save-button">
        Save
      </button>
      <span className="spacer" />
      <input
        ref={findRef}
        className="find"
        type="search"
        list="find-names"
        placeholder="Find node (Ctrl+F)"
        value={find}
        onChange={(e) => setFind(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && goFind()}
      />
      <datalist id="find-names">
        {names.split('\n').filter(Boolean).slice(0, 200).map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <button className="ghost" title="Fit (Shift+F)" onClick={() => canvasCommands().fit()}>
        Fit
      </button>
      <button className="ghost" title="Palette (Ctrl+B)" onClick={() => useUiStore.getState().toggle('paletteOpen')}>
        Palette
      </button>
      <button className="ghost" title="YAML (Ctrl+Alt+Y)" onClick={() => useUiStore.getState().toggle('yamlOpen')}>
        YAML
      </button>
      <button className="ghost" title="Inspector (Ctrl+Alt+I)" onClick={() => useUiStore.getState().toggle('inspectorOpen')}>
        Inspector
      </button>
      <button className="ghost" title="Problems (Ctrl+J)" onClick={() => useUiStore.getState().toggle('problemsOpen')}>
        Problems
      </button>
      <select aria-label="Theme" value={theme} onChange={(e) => useUiStore.getState().setTheme(e.target.value as ThemeChoice)} data-testid="theme">
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
      <button className="ghost" title="Keyboard shortcuts (?)" onClick={() => useUiStore.getState().setDialog('shortcuts')}>
        ?
      </button>
    </header>
  );
}
