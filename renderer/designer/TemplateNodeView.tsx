/** A node template on the canvas: type icon, name, type, instance count, problem badge. */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, type JSX } from 'react';
import { TypeIcon } from '../ui/TypeIcon';
import type { TemplateNode } from './flow-graph';
import { LiveBadge } from '../runner/LiveBadge';

function TemplateNodeView({ data }: NodeProps<TemplateNode>): JSX.Element {
  const shortType = data.type.split('.').pop() ?? data.type;
  return (
    <div className={`tnode${data.isHost ? ' host' : ''}`} data-testid={`node-${data.name}`} title={`${data.name}: ${data.type}`}>
      <Handle type="target" position={Position.Left} id="in" />
      <div className="icon">
        <TypeIcon icon={data.icon} />
      </div>
      <div className="meta">
        <div className="tname">{data.name}</div>
        <div className="ttype">{shortType}</div>
      </div>
      <span className="count" title="Instances">
        ×{data.instances}
      </span>
      {data.problems && (
        <span className={`badge ${data.problems.severity}`} title={`${data.problems.count} problem(s)`}>
          {data.problems.count}
        </span>
      )}
      <LiveBadge name={data.name} />
      <Handle type="source" position={Position.Right} id="out" />
    </div>
  );
}

export default memo(TemplateNodeView);
