/**
 * Model -> React Flow nodes and edges, a pure function. Containment (contained_in and the
 * relationship types derived from it) becomes nesting: the child is placed relative to its
 * host's box and the box grows to fit its children. Other relationships become edges
 * styled by their kind. Nodes get their size and handles up front so React Flow can skip
 * measuring and render only what is visible (DESIGN.md §4 numbers).
 */
import { Position, type Edge, type Node } from '@xyflow/react';
import type { BlueprintModel, TemplateModel } from './model';

export const nodeSize = { width: 220, height: 64 } as const;
/** Space inside a host box: header height and padding around the children. */
export const boxInset = { header: 52, pad: 16 } as const;

export interface TemplateNodeData extends Record<string, unknown> {
  name: string;
  type: string;
  instances: number;
  /** Icon key (see ui/type-icon.tsx). */
  icon: string;
  /** Highest problem severity on this template, if any, and how many. */
  problems: { severity: 'error' | 'warning' | 'info'; count: number } | null;
  isHost: boolean;
}

export type TemplateNode = Node<TemplateNodeData, 'template'>;
export type RelationshipEdge = Edge<{ kind: 'connected_to' | 'depends_on'; type: string; source: string; index: number }>;

export interface FlowInput {
  model: BlueprintModel;
  /** Relationship type -> kind (from the type catalog). */
  kindOf: (relationshipType: string) => 'contained_in' | 'connected_to' | 'depends_on';
  /** Type -> icon key. */
  iconOf: (nodeType: string) => string;
  /** Saved positions, relative to the parent box. */
  positions: Readonly<Record<string, { x: number; y: number }>>;
  problems: ReadonlyMap<string, { severity: 'error' | 'warning' | 'info'; count: number }>;
  selected: ReadonlySet<string>;
}

export interface FlowGraph {
  nodes: TemplateNode[];
  edges: RelationshipEdge[];
  /** Template -> its host (containment parent), when it has one on the canvas. */
  hostOf: ReadonlyMap<string, string>;
}

/** The host of each template: the target of its first containment relationship, cycles cut. */
export function hostsOf(model: BlueprintModel, kindOf: FlowInput['kindOf']): Map<string, string> {
  const names = new Set(model.templates.map((t) => t.name));
  const host = new Map<string, string>();
  for (const t of model.templates) {
    const rel = t.relationships.find((r) => kindOf(r.type) === 'contained_in');
    if (rel && names.has(rel.target) && rel.target !== t.name) host.set(t.name, rel.target);
  }
  // Cut containment cycles (the compiler reports them): a node in a cycle is drawn at top level.
  for (const start of [...host.keys()]) {
    const seen = new Set<string>([start]);
    for (let cur = host.get(start); cur !== undefined; cur = host.get(cur)) {
      if (seen.has(cur)) {
        host.delete(start);
        break;
      }
      seen.add(cur);
    }
  }
  return host;
}

const leafHandles = [
  { id: 'in', type: 'target' as const, position: Position.Left, x: -4, y: nodeSize.height / 2 - 4, width: 8, height: 8 },
  { id: 'out', type: 'source' as const, position: Position.Right, x: nodeSize.width - 4, y: nodeSize.height / 2 - 4, width: 8, height: 8 },
];

/** Builds the graph. Positions missing from `positions` are filled by a simple grid. */
export function buildFlowGraph(input: FlowInput): FlowGraph {
  const { model, kindOf, positions } = input;
  const hostOf = hostsOf(model, kindOf);
  const children = new Map<string, TemplateModel[]>();
  const roots: TemplateModel[] = [];
  for (const t of model.templates) {
    const h = hostOf.get(t.name);
    if (h === undefined) roots.push(t);
    else {
      const list = children.get(h) ?? [];
      list.push(t);
      children.set(h, list);
    }
  }

  // Sizes bottom-up: a host's box fits its children at their (saved or grid) positions.
  const size = new Map<string, { width: number; height: number }>();
  const pos = new Map<string, { x: number; y: number }>();
  const place = (list: TemplateModel[], inside: boolean): void => {
    let col = 0;
    let rowY = inside ? boxInset.header : 0;
    let rowH = 0;
    let x = inside ? boxInset.pad : 0;
    const perRow = inside ? 2 : Math.max(4, Math.ceil(Math.sqrt(list.length)));
    for (const t of list) {
      const kids = children.get(t.name);
      if (kids) place(kids, true);
      const s = kids ? fit(kids, size, pos) : nodeSize;
      size.set(t.name, s);
      const saved = positions[t.name];
      if (saved) pos.set(t.name, saved);
      else {
        if (col === perRow) {
          col = 0;
          x = inside ? boxInset.pad : 0;
          rowY += rowH + 40;
          rowH = 0;
        }
        pos.set(t.name, { x, y: rowY });
        x += s.width + 60;
        rowH = Math.max(rowH, s.height);
        col++;
      }
    }
  };
  place(roots, false);

  const nodes: TemplateNode[] = [];
  const emit = (t: TemplateModel): void => {
    const s = size.get(t.name) ?? nodeSize;
    const host = hostOf.get(t.name);
    const isHost = children.has(t.name);
    nodes.push({
      id: t.name,
      type: 'template',
      position: pos.get(t.name) ?? { x: 0, y: 0 },
      width: s.width,
      height: s.height,
      // Pre-declared handles let React Flow draw edges without measuring each node first.
      handles: isHost
        ? [
            { ...leafHandles[0]!, y: boxInset.header / 2 - 4 },
            { ...leafHandles[1]!, x: s.width - 4, y: boxInset.header / 2 - 4 },
          ]
        : leafHandles,
      ...(host !== undefined ? { parentId: host } : {}),
      selected: input.selected.has(t.name),
      zIndex: depth(t.name, hostOf),
      data: {
        name: t.name,
        type: t.type,
        instances: t.instances,
        icon: input.iconOf(t.type),
        problems: input.problems.get(t.name) ?? null,
        isHost,
      },
    });
    for (const c of children.get(t.name) ?? []) emit(c);
  };
  // Parents must come before their children in React Flow's node array.
  for (const r of roots) emit(r);

  const names = new Set(model.templates.map((t) => t.name));
  const edges: RelationshipEdge[] = [];
  for (const t of model.templates) {
    for (const r of t.relationships) {
      const kind = kindOf(r.type);
      if (kind === 'contained_in' && hostOf.get(t.name) === r.target) continue;
      if (!names.has(r.target) || r.target === t.name) continue;
      const edgeKind = kind === 'connected_to' ? 'connected_to' : 'depends_on';
      edges.push({
        id: `rel:${t.name}:${r.index}`,
        source: t.name,
        target: r.target,
        sourceHandle: 'out',
        targetHandle: 'in',
        label: shortName(r.type),
        className: `rel rel-${edgeKind}`,
        zIndex: 1000,
        data: { kind: edgeKind, type: r.type, source: t.name, index: r.index },
      });
    }
  }
  return { nodes, edges, hostOf };
}

function fit(
  kids: TemplateModel[],
  size: Map<string, { width: number; height: number }>,
  pos: Map<string, { x: number; y: number }>,
): { width: number; height: number } {
  let w = nodeSize.width + 2 * boxInset.pad;
  let h = boxInset.header + nodeSize.height;
  for (const k of kids) {
    const p = pos.get(k.name) ?? { x: 0, y: 0 };
    const s = size.get(k.name) ?? nodeSize;
    w = Math.max(w, p.x + s.width + boxInset.pad);
    h = Math.max(h, p.y + s.height + boxInset.pad);
  }
  return { width: w, height: h };
}

function depth(name: string, hostOf: ReadonlyMap<string, string>): number {
  let d = 0;
  for (let cur = hostOf.get(name); cur !== undefined && d < 100; cur = hostOf.get(cur)) d++;
  return d;
}

/** `cloudify.relationships.connected_to` -> `connected_to`. */
export function shortName(type: string): string {
  const parts = type.split('.');
  return parts[parts.length - 1] ?? type;
}
