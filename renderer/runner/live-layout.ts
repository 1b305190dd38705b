/**
 * Where the runner's graph puts each node of a plan: columns by dependency depth (a node
 * sits right of everything it has a relationship to), rows in declaration order. A pure
 * function, so the layout is stable while states change.
 */
import type { Plan } from '../../engine/host/contract';

export const liveNodeSize = { width: 230, height: 86 } as const;
const gap = { x: 90, y: 34 } as const;

export interface LiveLayoutNode {
  name: string;
  type: string;
  x: number;
  y: number;
}

export interface LiveLayoutEdge {
  id: string;
  source: string;
  target: string;
  kind: string;
}

/** Lays out the plan's nodes; edges run from target (left) to source (right). */
export function layoutPlan(plan: Pick<Plan, 'nodes'>): {
  nodes: LiveLayoutNode[];
  edges: LiveLayoutEdge[];
} {
  const byName = new Map(plan.nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const visit = (name: string, stack: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (stack.has(name)) return 0;
    stack.add(name);
    const n = byName.get(name);
    const targets = (n?.relationships ?? [])
      .map((r) => r.target)
      .filter((t) => byName.has(t) && t !== name);
    const d = targets.length ? 1 + Math.max(...targets.map((t) => visit(t, stack))) : 0;
    stack.delete(name);
    depth.set(name, d);
    return d;
  };
  const rows = new Map<number, number>();
  const nodes = plan.nodes.map((n) => {
    const col = visit(n.name, new Set());
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    return {
      name: n.name,
      type: n.type,
      x: col * (liveNodeSize.width + gap.x),
      y: row * (liveNodeSize.height + gap.y),
    };
  });
  const edges = plan.nodes.flatMap((n) =>
    n.relationships
      .filter((r) => byName.has(r.target))
      .map((r, i) => ({
        id: `${n.name}->${r.target}#${i}`,
        source: r.target,
        target: n.name,
        kind: r.kind,
      })),
  );
  return { nodes, edges };
}
