/** The deployments column: the list (status, progress while a workflow runs), and the selected one's inputs, outputs and capabilities. */
import { useEffect, useState, type JSX } from 'react';
import type { DeploymentSummary, Value } from '../../engine/host/contract';
import { useRunnerStore } from '../state/runner-store';
import { call, selectDeployment } from './runner-actions';
import { progressOf } from './timeline';

const busyStatuses = new Set(['installing', 'uninstalling']);

/** The blueprint's folder name (`local-microservices`) for a blueprint file path. */
const blueprintName = (file: string): string => {
  const parts = file.split(/[\\/]/);
  return (parts.length > 1 ? parts[parts.length - 2] : parts[0]) ?? file;
};

function Progress({ d }: { d: DeploymentSummary }): JSX.Element | null {
  const exec = useRunnerStore((s) =>
    d.activeExecutionId ? s.executions.find((e) => e.id === d.activeExecutionId) : undefined,
  );
  if (!d.activeExecutionId && !busyStatuses.has(d.status)) return null;
  const p = exec ? progressOf(exec.taskCounts) : undefined;
  return (
    <span
      className={`pbar${p === undefined ? ' indeterminate' : ''}`}
      title={exec ? `${exec.workflow}: ${Math.round((p ?? 0) * 100)}%` : 'running'}
      data-testid="deployment-progress"
    >
      <span style={{ width: p === undefined ? '35%' : `${p * 100}%` }} />
    </span>
  );
}

function ValueTable({
  values,
  testId,
}: {
  values: Record<string, Value>;
  testId: string;
}): JSX.Element {
  const entries = Object.entries(values);
  if (entries.length === 0) return <div className="muted small">none</div>;
  return (
    <table className="rprops stacked" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td className="mono">{typeof v === 'string' ? v : JSON.stringify(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Outputs({ d }: { d: DeploymentSummary }): JSX.Element {
  const [data, setData] = useState<{
    outputs: Record<string, Value>;
    capabilities: Record<string, Value>;
  } | null>(null);
  useEffect(() => {
    let live = true;
    void call('deployments.outputs', { deploymentId: d.id }, true).then(
      (r) => live && setData(r ?? null),
    );
    return () => {
      live = false;
    };
  }, [d.id, d.status, d.updatedAt]);
  return (
    <>
      {d.environment && (
        <>
          <h4 className="rsub">Environment</h4>
          <ValueTable values={d.environment} testId="deployment-environment" />
        </>
      )}
      <h4 className="rsub">Inputs</h4>
      <ValueTable values={d.inputs} testId="deployment-inputs" />
      {d.status === 'created' || d.status === 'uninstalled' ? (
        <p className="muted small" data-testid="outputs-pending">
          Outputs and capabilities are computed from runtime values: install to see them.
        </p>
      ) : (
        <>
          <h4 className="rsub">Outputs</h4>
          {data ? (
            <ValueTable values={data.outputs} testId="deployment-outputs" />
          ) : (
            <div className="muted small">—</div>
          )}
          <h4 className="rsub">Capabilities</h4>
          {data ? (
            <ValueTable values={data.capabilities} testId="deployment-capabilities" />
          ) : (
            <div className="muted small">—</div>
          )}
        </>
      )}
    </>
  );
}

export function DeploymentsPanel(): JSX.Element {
  const deployments = useRunnerStore((s) => s.deployments);
  const selectedId = useRunnerStore((s) => s.selectedId);
  const selected = deployments.find((d) => d.id === selectedId);
  return (
    <aside className="rdeps" data-testid="deployments">
      <div className="pane-header">
        Deployments
        <span className="spacer" />
        <button
          className="primary small"
          onClick={() => useRunnerStore.getState().openDialog({ kind: 'create' })}
          data-testid="new-deployment"
        >
          New…
        </button>
      </div>
      <div className="rdeps-list">
        {deployments.length === 0 && (
          <div className="rempty small">
            No deployments yet. Open a blueprint, then New… to make one from it.
          </div>
        )}
        {deployments.map((d) => {
          // Deleted instances stay in the store until the deployment goes; they are not
          // part of what the deployment has now.
          const instances = Object.entries(d.instanceCounts)
            .filter(([state]) => state !== 'deleted')
            .reduce((sum, [, n]) => sum + n, 0);
          return (
            <button
              key={d.id}
              className={`rdep${d.id === selectedId ? ' sel' : ''}`}
              onClick={() => void selectDeployment(d.id)}
              data-testid={`deployment-${d.id}`}
            >
              <span className="rdep-row">
                <span className="rdep-id">{d.id}</span>
                <span className={`dstatus ds-${d.status}`} data-testid="deployment-status">
                  {d.status}
                </span>
              </span>
              <span className="rdep-row muted small">
                <span title={d.blueprintFile}>{blueprintName(d.blueprintFile)}</span>
                <span>{instances} instances</span>
              </span>
              <Progress d={d} />
            </button>
          );
        })}
      </div>
      {selected && (
        <div className="rdeps-detail">
          <Outputs d={selected} />
        </div>
      )}
    </aside>
  );
}
