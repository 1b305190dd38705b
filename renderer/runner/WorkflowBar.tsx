/** The selected deployment's actions: Install, Uninstall, Scale, Heal, Execute, dry run, delete; the running execution's Cancel / Force-cancel. */
import { useState, type JSX } from 'react';
import {
  selectActiveExecution,
  selectDeployment,
  useRunnerStore,
  type RunnerDialog,
} from '../state/runner-store';
import { ExecutionActions } from './ExecutionsPanel';
import { deleteDeployment, runWorkflow } from './runner-actions';

function confirm(title: string, body: string, confirmLabel: string, action: () => void): void {
  useRunnerStore.getState().openDialog({ kind: 'confirm', title, body, confirmLabel, action });
}

export function WorkflowBar(): JSX.Element | null {
  const d = useRunnerStore(selectDeployment);
  const active = useRunnerStore(selectActiveExecution);
  const engineReady = useRunnerStore((s) => s.engineReady);
  const [preview, setPreview] = useState('install');
  if (!d) return null;
  const installed = d.status !== 'created' && d.status !== 'uninstalled';
  const open = (dialog: RunnerDialog): void => useRunnerStore.getState().openDialog(dialog);
  const del = (): void =>
    installed
      ? confirm(
          'Delete an installed deployment?',
          `${d.id} is ${d.status}. Deleting it now forgets its instances without uninstalling them: processes and cloud resources stay behind. Uninstall first unless you mean it.`,
          'Force delete',
          () => void deleteDeployment(d.id, true),
        )
      : confirm(
          'Delete the deployment?',
          `${d.id} and its history are removed.`,
          'Delete',
          () => void deleteDeployment(d.id, false),
        );
  return (
    <div className="rbar" data-testid="workflow-bar">
      <span className="rbar-title">{d.id}</span>
      <button
        className={installed ? '' : 'primary'}
        onClick={() => void runWorkflow('install')}
        disabled={!engineReady}
        data-testid="install"
      >
        Install
      </button>
      <button
        onClick={() =>
          confirm(
            'Uninstall?',
            `Uninstall stops and deletes every instance of ${d.id}.`,
            'Uninstall',
            () => void runWorkflow('uninstall'),
          )
        }
        disabled={!engineReady || !installed}
        data-testid="uninstall"
      >
        Uninstall
      </button>
      <button
        onClick={() => open({ kind: 'scale' })}
        disabled={!engineReady || !installed}
        data-testid="scale"
      >
        Scale…
      </button>
      <button
        onClick={() => open({ kind: 'heal' })}
        disabled={!engineReady || !installed}
        data-testid="heal"
      >
        Heal…
      </button>
      <button
        onClick={() => open({ kind: 'execute' })}
        disabled={!engineReady}
        data-testid="execute"
      >
        Execute…
      </button>
      <span className="rbar-sep" />
      <select
        aria-label="Workflow to preview"
        value={preview}
        onChange={(e) => setPreview(e.target.value)}
      >
        <option value="install">install</option>
        <option value="uninstall">uninstall</option>
      </select>
      <button
        onClick={() => void runWorkflow(preview, {}, true)}
        disabled={!engineReady}
        title="Show the task graph without running anything"
        data-testid="dry-run"
      >
        Dry run
      </button>
      <span className="spacer" />
      {!engineReady && <span className="rwarn small">engine restarting…</span>}
      {active && (
        <span className="rbar-active" data-testid="active-execution">
          <span className="spinner" /> {active.workflow} {active.status}
          <ExecutionActions e={active} />
        </span>
      )}
      <button className="ghost danger-text" onClick={del} data-testid="delete-deployment">
        Delete
      </button>
    </div>
  );
}
