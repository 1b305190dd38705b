/** A node on the runner's graph: name, type, instances by state, a spinner while an operation runs, the error when one failed. */
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo, useMemo, type JSX } from 'react';
import { selectNodeStatus, useRunnerLiveStore } from '../state/runner-live-store';
import { shortError } from './live-status';

export type LiveNode = Node<{ name: string; type: string }, 'live'>;

function LiveNodeView({ data, selected }: NodeProps<LiveNode>): JSX.Element {
  const selector = useMemo(() => selectNodeStatus(data.name), [data.name]);
  const status = useRunnerLiveStore(selector);
  const tone = status?.tone ?? 'none';
  return (
    <div
      className={`lnode tone-${tone}${selected ? ' selected' : ''}`}
      data-testid={`live-node-${data.name}`}
      data-tone={tone}
      data-total={status?.total ?? 0}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="lnode-head">
        <span className="lnode-name">{data.name}</span>
        {status && status.running > 0 && (
          <span
            className="spinner"
            title={`${status.running} operation(s) running`}
            data-testid="spinner"
          />
        )}
        <span className="lnode-total" title="Instances">
          ×{status?.total ?? 0}
        </span>
      </div>
      <div className="lnode-type">{data.type.split('.').pop()}</div>
      <div className="lnode-states">
        {status?.byState.map(([state, n]) => (
          <span key={state} className={`sbadge st-${state}`} title={`${n} ${state}`}>
            {n} {state}
          </span>
        ))}
        {status && status.total === 0 && <span className="muted small">no instances</span>}
      </div>
      {status?.error && (
        <div className="lnode-error" title={status.error}>
          {status.failed} failed: {shortError(status.error)}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

export default memo(LiveNodeView);
