/** The clicked node: its instances with state, runtime properties (secrets masked) and error; its events. */
import { useMemo, type JSX } from 'react';
import type { Value } from '../../engine/host/contract';
import { useRunnerLiveStore } from '../state/runner-live-store';
import { useRunnerStore } from '../state/runner-store';
import { EventList } from './EventStream';
import { isSecretKey } from './timeline';

function show(key: string, v: Value): string {
  if (isSecretKey(key)) return '••••••';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function NodeDetails({ node }: { node: string }): JSX.Element {
  const deploymentId = useRunnerStore((s) => s.selectedId);
  const details = useRunnerLiveStore((s) => s.details);
  const live = useRunnerLiveStore((s) => s.instances);
  const instances = useMemo(
    () => details.filter((i) => i.nodeId === node && (live[i.id]?.state ?? i.state) !== 'deleted'),
    [details, live, node],
  );
  const filter = useMemo(
    () => ({ ...(deploymentId ? { deploymentId } : {}), nodeId: node }),
    [deploymentId, node],
  );
  return (
    <aside className="rdetails" data-testid="node-details">
      <div className="pane-header">
        {node}
        <span className="spacer" />
        <button
          className="ghost"
          onClick={() => useRunnerStore.getState().selectNode(null)}
          title="Close"
        >
          ✕
        </button>
      </div>
      <div className="rdetails-body">
        <h4 className="rsub">Instances ({instances.length})</h4>
        {instances.length === 0 && (
          <p className="rhint">No instances yet: install the deployment.</p>
        )}
        {instances.map((i) => {
          const l = live[i.id];
          const state = l?.state ?? i.state;
          const error = l ? l.error : i.lastError;
          return (
            <div key={i.id} className="rinst" data-testid={`instance-${i.id}`}>
              <div className="rinst-head">
                <span className="mono">{i.id}</span>
                <span className={`sbadge st-${state}`}>{state}</span>
                {l && Object.keys(l.running).length > 0 && <span className="spinner" />}
                <span className="spacer" />
                <button
                  className="ghost small"
                  onClick={() =>
                    useRunnerStore.getState().openDialog({ kind: 'heal', instanceId: i.id })
                  }
                >
                  Heal…
                </button>
              </div>
              {error && <div className="rerr small">{error}</div>}
              <table className="rprops">
                <tbody>
                  {Object.entries(i.runtimeProperties).map(([k, v]) => (
                    <tr key={k}>
                      <th>{k}</th>
                      <td className="mono" data-testid={`rp-${i.id}-${k}`}>
                        {show(k, v)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        })}
        <h4 className="rsub">Events</h4>
      </div>
      <EventList filter={filter} compact testId="node-events" />
    </aside>
  );
}
