/**
 * The graph canvas (@xyflow/react 12). It renders the projection; it never changes the
 * graph itself: drops, connections, deletes and moves into hosts become EditOps
 * (edit-actions.ts), positions go to the layout store. Large graphs stay fluid through
 * pre-sized nodes and `onlyRenderVisibleElements` (DESIGN.md §4).
 */
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  getViewportForBounds,
  useReactFlow,
  type Connection,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type JSX } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { relationshipKindOf, useCatalogStore } from '../state/catalog-store';
import { useLayoutStore } from '../state/layout-store';
import { problemTemplate, useProblemsStore } from '../state/problems-store';
import { useProjectionStore } from '../state/projection-store';
import { useSelectionStore } from '../state/selection-store';
import { iconFor } from '../ui/TypeIcon';
import { addTemplate, canHost, isCompute, runEdits } from './edit-actions';
import { buildFlowGraph, boxInset, type RelationshipEdge, type TemplateNode } from './flow-graph';
import TemplateNodeView from './TemplateNodeView';
import { saveLayout } from './session';
import { registerCanvasCommands } from './canvas-commands';

const nodeTypes = { template: TemplateNodeView };
/** MIME type of a palette drag. */
export const paletteMime = 'application/x-trellis-type';

const severityRank = { error: 3, warning: 2, info: 1 } as const;
/** Above this many templates the mini-map is left out (see the bench: it costs most of a frame). */
const miniMapLimit = 800;
/** Above this many templates "fit" stops at a readable zoom instead of showing everything. */
const bigGraph = 400;

interface ConnectMenuState {
  x: number;
  y: number;
  source: string;
  target: string;
}

function CanvasInner({ theme }: { theme: 'light' | 'dark' }): JSX.Element {
  const model = useProjectionStore((s) => s.model);
  const stale = useProjectionStore((s) => s.errors.length > 0);
  const byName = useCatalogStore((s) => s.byName);
  const catalog = useCatalogStore((s) => s.catalog);
  const positions = useLayoutStore((s) => s.positions);
  const problems = useProblemsStore((s) => s.problems);
  const selected = useSelectionStore(useShallow((s) => s.nodes));
  const selectedEdge = useSelectionStore((s) => s.edge);
  const flow = useReactFlow<TemplateNode, RelationshipEdge>();
  const [menu, setMenu] = useState<ConnectMenuState | null>(null);
  const [dropHost, setDropHost] = useState<string | null>(null);
  const pointer = useRef({ x: 0, y: 0 });

  const kindOf = useCallback((t: string) => relationshipKindOf(byName, t), [byName]);
  const problemMap = useMemo(() => {
    const map = new Map<string, { severity: 'error' | 'warning' | 'info'; count: number }>();
    for (const p of problems) {
      const name = problemTemplate(p.path);
      if (name === undefined) continue;
      const cur = map.get(name);
      const severity = !cur || severityRank[p.severity] > severityRank[cur.severity] ? p.severity : cur.severity;
      map.set(name, { severity, count: (cur?.count ?? 0) + 1 });
    }
    return map;
  }, [problems]);
  const selectedSet = useMemo(() => new Set(selected), [selected]);

  const graph = useMemo(
    () =>
      model
        ? buildFlowGraph({
            model,
            kindOf,
            iconOf: (type) => iconFor(type, byName.get(type)?.hierarchy),
            positions,
            problems: problemMap,
            selected: selectedSet,
          })
        : { nodes: [], edges: [], hostOf: new Map<string, string>() },
    [model, kindOf, byName, positions, problemMap, selectedSet],
  );

  // Local copy so dragging is smooth; rebuilt whenever the projection/layout changes.
  const [nodes, setNodes] = useState<TemplateNode[]>(graph.nodes);
  /** Which graph the rendered nodes were built from (they lag one commit behind it). */
  const [nodesFrom, setNodesFrom] = useState(graph.nodes);
  const previous = useRef(new Map<string, TemplateNode>());
  useEffect(() => {
    // Reuse unchanged node objects so React Flow re-renders only what changed.
    const next = graph.nodes.map((n) => {
      const old = previous.current.get(n.id);
      const withClass = dropHost === n.id ? { ...n, className: 'drop-target' } : n;
      return old && sameNode(old, withClass) ? old : withClass;
    });
    previous.current = new Map(next.map((n) => [n.id, n]));
    setNodes(next);
    setNodesFrom(graph.nodes);
  }, [graph.nodes, dropHost]);
  const edges = useMemo(
    () => graph.edges.map((e) => (selectedEdge && e.data?.source === selectedEdge.source && e.data.index === selectedEdge.index ? { ...e, selected: true } : e)),
    [graph.edges, selectedEdge],
  );

  // Fitting is computed here from the nodes we render (roots enclose their children), not
  // left to React Flow's queued fitView, which depends on its store having caught up.
  const wrapper = useRef<HTMLDivElement | null>(null);
  const latestNodes = useRef(nodes);
  latestNodes.current = nodes;
  const fitNow = useCallback(
    (duration = 0) => {
      const el = wrapper.current;
      const roots = latestNodes.current.filter((n) => n.parentId === undefined);
      if (!el || roots.length === 0) return;
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -Infinity;
      let y1 = -Infinity;
      for (const n of roots) {
        x0 = Math.min(x0, n.position.x);
        y0 = Math.min(y0, n.position.y);
        x1 = Math.max(x1, n.position.x + (n.width ?? 0));
        y1 = Math.max(y1, n.position.y + (n.height ?? 0));
      }
      // A big graph is not shrunk to illegible dots: below this zoom every node would be
      // mounted and painted on each pan frame (the bench: ~2 fps at 2,000 nodes).
      const minZoom = latestNodes.current.length > bigGraph ? 0.4 : 0.05;
      const vp = getViewportForBounds({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, el.clientWidth, el.clientHeight, minZoom, 1.2, 0.1);
      void flow.setViewport(vp, { duration });
    },
    [flow],
  );

  // Fit when asked (the first projection of an opened file, a computed layout), once the
  // nodes carrying the new positions are committed.
  const fitRequest = useLayoutStore((s) => s.fitRequest);
  const fitDone = useRef(0);
  useEffect(() => {
    if (fitRequest === fitDone.current || nodesFrom !== graph.nodes || nodes.length === 0) return;
    fitDone.current = fitRequest;
    fitNow();
  }, [fitRequest, nodes, nodesFrom, graph.nodes, fitNow]);

  useEffect(
    () =>
      registerCanvasCommands({
        fit: () => fitNow(200),
        centerOn: (name) => {
          const n = flow.getInternalNode(name);
          if (!n) return;
          const { x, y } = n.internals.positionAbsolute;
          void flow.setCenter(x + (n.width ?? 0) / 2, y + (n.height ?? 0) / 2, { zoom: Math.max(flow.getZoom(), 0.8), duration: 200 });
        },
      }),
    [flow, fitNow],
  );

  const onNodesChange = useCallback((changes: NodeChange<TemplateNode>[]) => {
    // Removals go through the edit layer (Delete shortcut); everything else is view state.
    setNodes((ns) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), ns));
  }, []);

  const onSelectionChange = useCallback(({ nodes: sel, edges: selEdges }: OnSelectionChangeParams) => {
    const store = useSelectionStore.getState();
    const edge = selEdges[0] as RelationshipEdge | undefined;
    if (sel.length === 0 && edge?.data) {
      if (!store.edge || store.edge.source !== edge.data.source || store.edge.index !== edge.data.index)
        store.selectEdge({ source: edge.data.source, index: edge.data.index });
      return;
    }
    const names = sel.map((n) => n.id);
    if (names.length === 0 && store.edge) return;
    if (names.join('\0') !== store.nodes.join('\0')) store.selectNodes(names, 'canvas');
  }, []);

  /** The deepest host box under a flow-space point (excluding `except` and its subtree). */
  const hostAt = useCallback(
    (point: { x: number; y: number }, dropping: string | undefined, except?: string): string | undefined => {
      if (!model) return undefined;
      const hosts = new Set(graph.hostOf.values());
      let best: { name: string; depth: number } | undefined;
      for (const t of model.templates) {
        if (t.name === except || (except !== undefined && isInside(t.name, except, graph.hostOf))) continue;
        if (dropping !== undefined && isCompute(dropping, byName)) continue;
        if (!canHost(t, byName, hosts.has(t.name))) continue;
        const internal = flow.getInternalNode(t.name);
        if (!internal) continue;
        const { x, y } = internal.internals.positionAbsolute;
        const w = internal.width ?? 0;
        const h = internal.height ?? 0;
        if (point.x < x || point.y < y || point.x > x + w || point.y > y + h) continue;
        const depth = internal.internals.z;
        if (!best || depth >= best.depth) best = { name: t.name, depth };
      }
      return best?.name;
    },
    [model, graph.hostOf, byName, flow],
  );

  /** Where a node grabbed at its (20, 20) lands inside `host`, kept clear of the box's header. */
  const relativeTo = useCallback(
    (p: { x: number; y: number }, host: string) => {
      const abs = flow.getInternalNode(host)?.internals.positionAbsolute ?? { x: 0, y: 0 };
      return { x: Math.max(boxInset.pad, Math.round(p.x - abs.x - 20)), y: Math.max(boxInset.header, Math.round(p.y - abs.y - 20)) };
    },
    [flow],
  );

  const onDragOver = useCallback(
    (e: DragEvent) => {
      if (!e.dataTransfer.types.includes(paletteMime)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      setDropHost(hostAt(p, undefined) ?? null);
    },
    [flow, hostAt],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(paletteMime);
      setDropHost(null);
      if (!type) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const host = hostAt(p, type);
      const at = host ? relativeTo(p, host) : { x: Math.round(p.x - 20), y: Math.round(p.y - 20) };
      addTemplate(type, at, host);
    },
    [flow, hostAt],
  );

  const onNodeDragStop = useCallback(
    (e: MouseEvent | TouchEvent, node: TemplateNode, dragged: TemplateNode[]) => {
      const moves: Record<string, { x: number; y: number }> = {};
      for (const n of dragged) moves[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
      // Dropped onto another host: move it in (the edit layer rewrites contained_in).
      if (dragged.length === 1) {
        const point = 'clientX' in e ? e : (e.changedTouches[0] ?? { clientX: 0, clientY: 0 });
        const p = flow.screenToFlowPosition({ x: point.clientX, y: point.clientY });
        const target = hostAt(p, undefined, node.id);
        const current = graph.hostOf.get(node.id);
        if (target && target !== current) {
          moves[node.id] = relativeTo(p, target);
          useLayoutStore.getState().movePositions(moves);
          runEdits([{ kind: 'moveIntoHost', node: node.id, host: target }]);
          void saveLayout();
          return;
        }
      }
      useLayoutStore.getState().movePositions(moves);
      void saveLayout();
    },
    [flow, hostAt, graph.hostOf, relativeTo],
  );

  const onConnect = useCallback((c: Connection) => {
    if (!c.source || !c.target || c.source === c.target) return;
    setMenu({ x: pointer.current.x, y: pointer.current.y, source: c.source, target: c.target });
  }, []);

  const relationshipOptions = useMemo(() => {
    if (!menu) return [];
    const rels = (catalog?.types ?? []).filter((t) => t.kind === 'relationship').map((t) => t.name);
    const names = rels.length > 0 ? rels : ['cloudify.relationships.connected_to', 'cloudify.relationships.depends_on', 'cloudify.relationships.contained_in'];
    const existing = new Set(model?.templates.find((t) => t.name === menu.source)?.relationships.filter((r) => r.target === menu.target).map((r) => r.type));
    return names.filter((type) => {
      if (existing.has(type)) return false;
      if (kindOf(type) !== 'contained_in') return true;
      // A node has one host, and a host cannot live inside its own guest.
      return !graph.hostOf.has(menu.source) && !isInside(menu.target, menu.source, graph.hostOf);
    });
  }, [menu, catalog, model, kindOf, graph.hostOf]);

  const chooseRelationship = (type: string): void => {
    if (!menu) return;
    if (kindOf(type) === 'contained_in') {
      useLayoutStore.getState().movePositions({ [menu.source]: { x: boxInset.pad, y: boxInset.header } });
      runEdits([{ kind: 'moveIntoHost', node: menu.source, host: menu.target, relationshipType: type }]);
    } else runEdits([{ kind: 'addRelationship', source: menu.source, type, target: menu.target }]);
    setMenu(null);
  };

  const empty = !model || model.templates.length === 0;
  return (
    <div
      ref={wrapper}
      className="canvas"
      data-testid="canvas"
      onDragOver={onDragOver}
      onDragLeave={() => setDropHost(null)}
      onDrop={onDrop}
      onPointerMove={(e) => (pointer.current = { x: e.clientX, y: e.clientY })}
      onPointerUp={(e) => (pointer.current = { x: e.clientX, y: e.clientY })}
    >
      <ReactFlow<TemplateNode, RelationshipEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onSelectionChange={onSelectionChange}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        onPaneClick={() => setMenu(null)}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        onlyRenderVisibleElements
        colorMode={theme}
        minZoom={0.05}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        {/* Repainting thousands of mini-map rects on every pan frame halves the frame rate (software rendering). */}
        {nodes.length <= miniMapLimit && <MiniMap pannable zoomable nodeStrokeWidth={2} />}
        <Controls />
      </ReactFlow>
      {stale && <div className="stale">YAML has errors: showing the last valid graph</div>}
      {empty && (
        <div className="empty" data-testid="canvas-empty">
          <div>
            <h2>Start your blueprint</h2>
            Drag a node type from the palette on the left onto this canvas — a <b>Compute</b> for a VM, then an application onto the VM to put it inside. Drag
            from a node&apos;s right handle to another node to connect them. Or type YAML on the right, or open an example with <kbd>Ctrl</kbd>+<kbd>O</kbd>.
          </div>
        </div>
      )}
      {menu && (
        <div className="connect-menu" style={{ left: menu.x, top: menu.y }} data-testid="connect-menu" role="menu">
          <div className="title">
            {menu.source} → {menu.target}
          </div>
          {relationshipOptions.length === 0 && <div className="title">No relationship type fits here.</div>}
          {relationshipOptions.map((type) => (
            <button key={type} role="menuitem" onClick={() => chooseRelationship(type)}>
              {type}
            </button>
          ))}
          <button onClick={() => setMenu(null)}>Cancel</button>
        </div>
      )}
    </div>
  );
}

/** Is `name` inside `ancestor` (directly or deeper)? */
function isInside(name: string, ancestor: string, hostOf: ReadonlyMap<string, string>): boolean {
  for (let cur = hostOf.get(name), i = 0; cur !== undefined && i < 1000; cur = hostOf.get(cur), i++) if (cur === ancestor) return true;
  return false;
}

function sameNode(a: TemplateNode, b: TemplateNode): boolean {
  return (
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.width === b.width &&
    a.height === b.height &&
    a.parentId === b.parentId &&
    a.selected === b.selected &&
    a.className === b.className &&
    a.zIndex === b.zIndex &&
    a.data.name === b.data.name &&
    a.data.type === b.data.type &&
    a.data.instances === b.data.instances &&
    a.data.icon === b.data.icon &&
    a.data.isHost === b.data.isHost &&
    a.data.problems?.count === b.data.problems?.count &&
    a.data.problems?.severity === b.data.problems?.severity
  );
}

/** The canvas with its React Flow provider. */
export function Canvas({ theme }: { theme: 'light' | 'dark' }): JSX.Element {
  return (
    <ReactFlowProvider>
      <CanvasInner theme={theme} />
    </ReactFlowProvider>
  );
}

