/**
 * The deployment's graph, live: one box per node with its instances by state. Layout
 * comes from the plan (live-layout.ts); states come from the live store, read inside each
 * node so an event re-renders only the nodes it touches.
 */
import { Background, Controls, ReactFlow, ReactFlowProvider, type Edge } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo, type JSX } from 'react';
import { selectPlan, useRunnerStore } from '../state/runner-store';
import { layoutPlan, liveNodeSize } from './live-layout';
import LiveNodeView, { type LiveNode } from './LiveNodeView';

const nodeTypes = { live: LiveNodeView };

export function LiveGraph({ theme }: { theme: 'light' | 'dark' }): JSX.Element {
  const plan = useRunnerStore(selectPlan);
  const selectedNode = useRunnerStore((s) => s.selectedNode);
  const layout = useMemo(() => (plan ? layoutPlan(plan) : { nodes: [], edges: [] }), [plan]);
  const nodes = useMemo<LiveNode[]>(
    () =>
      layout.nodes.map((n) => ({
        id: n.name,
        type: 'live',
        position: { x: n.x, y: n.y },
        width: liveNodeSize.width,
        height: liveNodeSize.height,
        selected: n.name === selectedNode,
        draggable: false,
        connectable: false,
        data: { name: n.name, type: n.type },
      })),
    [layout, selectedNode],
  );
  const edges = useMemo<Edge[]>(
    () =>
      layout.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        className: `ledge ${e.kind}`,
        animated: false,
        selectable: false,
      })),
    [layout],
  );
  if (!plan)
    return (
      <div className="rempty">
        <div>
          <p>Select a deployment, or make one from the open blueprint, to see its nodes here.</p>
          <button
            className="primary"
            onClick={() => useRunnerStore.getState().openDialog({ kind: 'create' })}
          >
            New deployment…
          </button>
        </div>
      </div>
    );
  return (
    <div className="live-graph" data-testid="live-graph">
      <ReactFlowProvider>
        <ReactFlow<LiveNode, Edge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodeClick={(_, n) => useRunnerStore.getState().selectNode(n.id)}
          onPaneClick={() => useRunnerStore.getState().selectNode(null)}
          nodesDraggable={false}
          nodesConnectable={false}
          colorMode={theme}
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
          minZoom={0.1}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={20} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
