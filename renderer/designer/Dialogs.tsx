/** The browser build's own Open and Save As dialogs (the desktop app uses native ones), and the shortcuts sheet. */
import { useEffect, useState, type JSX } from 'react';
import type { ExampleBlueprint, FileEntry } from '../../engine/host/contract';
import { getHostClient } from '../host';
import { useDocumentStore } from '../state/document-store';
import { useUiStore } from '../state/ui-store';
import { openFile, saveTo } from './session';
import { shortcutList } from './shortcuts';

function Modal({ title, children, footer }: { title: string; children: JSX.Element | JSX.Element[]; footer?: JSX.Element }): JSX.Element {
  const close = (): void => useUiStore.getState().setDialog(null);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className="modal" role="dialog" aria-label={title}>
        <header>
          {title}
          <span className="spacer" />
          <button className="ghost" onClick={close} aria-label="Close">
            ✕
          </button>
        </header>
        <div className="body">{children}</div>
        {footer && <footer>{footer}</footer>}
      </div>
    </div>
  );
}

export function OpenDialog(): JSX.Element {
  const [examples, setExamples] = useState<ExampleBlueprint[]>([]);
  const [dir, setDir] = useState('');
  const [entries, setEntries] = useState<FileEntry[]>([]);
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void getHostClient()
      .call('blueprint.examples', {})
      .then((r) => r.ok && setExamples(r.value));
    void getHostClient()
      .call('host.info', {})
      .then((r) => {
        const start = useDocumentStore.getState().filePath?.replace(/[\\/][^\\/]*$/, '') ?? (r.ok ? r.value.home : '/');
        setDir(start);
      });
  }, []);
  useEffect(() => {
    if (!dir) return;
    void getHostClient()
      .call('files.list', { dir })
      .then((r) => {
        if (r.ok) {
          setEntries(r.value.filter((e) => e.isDirectory || /\.ya?ml$/i.test(e.name)));
          setError(null);
        } else setError(r.error.message);
      });
  }, [dir]);
  const open = async (file: string): Promise<void> => {
    if (await openFile(file)) useUiStore.getState().setDialog(null);
  };
  return (
    <Modal
      title="Open a blueprint"
      footer={
        <>
          <input style={{ flex: 1 }} placeholder="/path/to/blueprint.yaml" value={path} onChange={(e) => setPath(e.target.value)} data-testid="open-path" />
          <button className="primary" disabled={!path} onClick={() => void open(path)} data-testid="open-confirm">
            Open
          </button>
        </>
      }
    >
      <div className="list" data-testid="examples">
        <h4>Examples</h4>
        {examples.length === 0 && <div className="desc">No examples found.</div>}
        {examples.map((ex) => (
          <button key={ex.file} onClick={() => void open(ex.file)}>
            <b>{ex.name}</b>
            <div className="desc">{ex.description}</div>
          </button>
        ))}
      </div>
      <div className="list">
        <h4>
          Files in <code>{dir}</code>
        </h4>
        {error && <div className="desc">{error}</div>}
        <button onClick={() => setDir(dir.replace(/[\\/][^\\/]+$/, '') || '/')}>..</button>
        {entries.map((e) => (
          <button key={e.path} onClick={() => (e.isDirectory ? setDir(e.path) : void open(e.path))}>
            {e.isDirectory ? '📁 ' : ''}
            {e.name}
          </button>
        ))}
      </div>
    </Modal>
  );
}

export function SaveAsDialog(): JSX.Element {
  const current = useDocumentStore((s) => s.filePath);
  const [path, setPath] = useState(current ?? '');
  useEffect(() => {
    if (current) return;
    void getHostClient()
      .call('host.info', {})
      // Only a suggestion: never overwrite what the user typed meanwhile.
      .then((r) => r.ok && setPath((typed) => typed || `${r.value.home}/blueprint.yaml`));
  }, [current]);
  const save = async (): Promise<void> => {
    if (await saveTo(path)) useUiStore.getState().setDialog(null);
  };
  return (
    <Modal
      title="Save blueprint as"
      footer={
        <button className="primary" disabled={!/\.ya?ml$/i.test(path)} onClick={() => void save()} data-testid="save-as-confirm">
          Save
        </button>
      }
    >
      <label>
        File path (.yaml)
        <input style={{ width: '100%' }} value={path} onChange={(e) => setPath(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && void save()} data-testid="save-as-path" autoFocus />
      </label>
      <div className="desc">The node positions are saved beside it as a .layout.json file.</div>
    </Modal>
  );
}

export function ShortcutsDialog(): JSX.Element {
  return (
    <Modal title="Keyboard shortcuts">
      <table className="shortcuts">
        <tbody>
          {shortcutList.map(([keys, what]) => (
            <tr key={keys}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}
