/**
 * Automatic layout with elkjs (layered, hierarchy-aware) for templates that have no saved
 * position. Hosts are laid out with their children inside, so nesting survives.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { boxInset, hostsOf, nodeSize } from './flow-graph';
import type { BlueprintModel } from './model';

type Kind = 'contained_in' | 'connected_to' | 'depends_on';

let elk: InstanceType<typeof ELK> | undefined;

/** Above this many templates the layered layout takes seconds; callers fall back to the grid. */
export const maxAutoLayoutTemplates = 800;

/** Positions (relative to the parent box) for every template. */
export async function autoLayout(model: BlueprintModel, kindOf: (t: string) => Kind): Promise<Record<string, { x: number; y: number }>> {
  elk ??= new ELK();
  const hostOf = hostsOf(model, kindOf);
  const elkNodes = new Map<string, ElkNode>();
  for (const t of model.templates) elkNodes.set(t.name, { id: t.name, width: nodeSize.width, height: nodeSize.height, children: [] });
  const root: ElkNode = {
    id: '__root__',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '40',
      'elk.padding': '[top=20,left=20,bottom=20,right=20]',
    },
    children: [],
    edges: [],
  };
  for (const t of model.templates) {
    const node = elkNodes.get(t.name)!;
    const host = hostOf.get(t.name);
    (host !== undefined ? elkNodes.get(host)! : root).children!.push(node);
  }
  for (const node of elkNodes.values()) {
    if (node.children!.length > 0) {
      delete node.width;
      delete node.height;
      node.layoutOptions = {
        'elk.padding': `[top=${boxInset.header},left=${boxInset.pad},bottom=${boxInset.pad},right=${boxInset.pad}]`,
        'elk.direction': 'DOWN',
      };
    }
  }
  const edges: ElkExtendedEdge[] = [];
  const names = new Set(model.templates.map((t) => t.name));
  for (const t of model.templates) {
    for (const r of t.relationships) {
      if (!names.has(r.target) || r.target === t.name) continue;
      if (kindOf(r.type) === 'contained_in' && hostOf.get(t.name) === r.target) continue;
      // Edges point from the dependency to the dependent so the layering reads left to right.
      edges.push({ id: `${t.name}:${r.index}`, sources: [r.target], targets: [t.name] });
    }
  }
  root.edges = edges;
  const laid = await elk.layout(root);
  const out: Record<string, { x: number; y: number }> = {};
  const walk = (n: ElkNode): void => {
    for (const c of n.children ?? []) {
      out[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
      walk(c);
    }
  };
  walk(laid);
  return out;
}
