/**
 * Node-instance expansion (Cloudify semantics), from a Plan alone so the engine's scale
 * workflow can reuse it on a live deployment.
 *
 * Nodes and scaling groups form an instantiation tree: a node's parent is its container,
 * unless it is a member of a scaling group its container is not in, in which case the
 * group is its parent and the group hangs under that container. Each tree element is
 * instantiated `default_instances` times per instance of its parent, so counts multiply
 * through contained_in and (nested) scaling groups.
 *
 * Relationship instances: contained_in points at the instance's own container; other
 * relationships connect to the target's instances that share the source's instance of
 * the nearest common tree ancestor (so nodes in one scaling-group instance or on one host
 * connect to each other), or to all of them when the two have no common ancestor;
 * `all_to_one` picks a single one of those.
 */
import { randomBytes } from 'node:crypto';
import type { Plan, PlanNode, PlanNodeInstance, PlanRelationshipInstance } from './plan-model';

export interface ExpandOptions {
  /** Returns the 6-character suffix of a new id; random `[a-z0-9]` by default. */
  instanceIdSuffix?: () => string;
}

type Entity = { kind: 'node'; name: string } | { kind: 'group'; name: string };

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

let pool = Buffer.alloc(0);
let poolAt = 0;

/** Random 6-character `[a-z0-9]` suffix (random bytes drawn in batches: ids come in bulk). */
export function randomSuffix(): string {
  if (poolAt + 6 > pool.length) {
    pool = randomBytes(6 * 1024);
    poolAt = 0;
  }
  let s = '';
  for (let i = 0; i < 6; i++) s += ALPHABET[(pool[poolAt + i] as number) % ALPHABET.length];
  poolAt += 6;
  return s;
}

/** The instantiation tree of a plan (see the file comment). */
export class InstanceTree {
  readonly nodes = new Map<string, PlanNode>();
  private readonly directGroups = new Map<string, string[]>();
  private readonly memberNodes = new Map<string, Set<string>>();
  private readonly parents = new Map<string, Entity | null>();
  private readonly common = new Map<string, Entity | undefined>();
  readonly children = new Map<string, Entity[]>();
  readonly roots: Entity[] = [];

  constructor(readonly plan: Plan) {
    for (const n of plan.nodes) this.nodes.set(n.name, n);
    for (const g of Object.values(plan.scalingGroups)) {
      for (const m of g.members) {
        const list = this.directGroups.get(m) ?? [];
        list.push(g.name);
        this.directGroups.set(m, list);
      }
    }
    const all: Entity[] = [
      ...Object.keys(plan.scalingGroups).map((name) => ({ kind: 'group' as const, name })),
      ...plan.nodes.map((n) => ({ kind: 'node' as const, name: n.name })),
    ];
    for (const e of all) {
      const p = this.parent(e);
      if (!p) this.roots.push(e);
      else {
        const k = key(p);
        const list = this.children.get(k) ?? [];
        list.push(e);
        this.children.set(k, list);
      }
    }
  }

  isGroup(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.plan.scalingGroups, name);
  }

  /** Instances of one element per instance of its parent. */
  count(e: Entity): number {
    if (e.kind === 'group') return this.plan.scalingGroups[e.name]?.properties.defaultInstances ?? 1;
    return this.nodes.get(e.name)?.capabilities.scalable.defaultInstances ?? 1;
  }

  private groupDepth(g: string, guard = 0): number {
    const parent = this.directGroups.get(g)?.[0];
    return parent === undefined || guard > 100 ? 0 : 1 + this.groupDepth(parent, guard + 1);
  }

  /** The deepest scaling group listing `member` directly. */
  private innermostGroup(member: string): string | undefined {
    const groups = this.directGroups.get(member);
    if (!groups || groups.length === 0) return undefined;
    let best = groups[0];
    for (const g of groups) if (this.groupDepth(g) > this.groupDepth(best as string)) best = g;
    return best;
  }

  /** Nodes in a group, directly or through nested groups. */
  private nodesOf(group: string, guard = 0): Set<string> {
    const cached = this.memberNodes.get(group);
    if (cached) return cached;
    const out = new Set<string>();
    this.memberNodes.set(group, out);
    for (const m of this.plan.scalingGroups[group]?.members ?? []) {
      if (this.isGroup(m) && guard < 100) for (const n of this.nodesOf(m, guard + 1)) out.add(n);
      else if (this.nodes.has(m)) out.add(m);
    }
    return out;
  }

  /** True when the node or one of its containers is in the group. */
  private within(node: string, group: string): boolean {
    const members = this.nodesOf(group);
    let cur: string | undefined = node;
    let guard = 0;
    while (cur !== undefined && guard++ < 10_000) {
      if (members.has(cur)) return true;
      cur = this.nodes.get(cur)?.containedIn;
    }
    return false;
  }

  parent(e: Entity): Entity | undefined {
    const k = key(e);
    const cached = this.parents.get(k);
    if (cached !== undefined) return cached ?? undefined;
    let p: Entity | undefined;
    const g = this.innermostGroup(e.name);
    if (e.kind === 'node') {
      const c = this.nodes.get(e.name)?.containedIn;
      if (g === undefined) p = c === undefined ? undefined : { kind: 'node', name: c };
      else if (c !== undefined && this.within(c, g)) p = { kind: 'node', name: c };
      else p = { kind: 'group', name: g };
    } else {
      // The container shared by the group's top members (those not inside the group).
      let container: string | undefined;
      for (const n of this.nodesOf(e.name)) {
        const c = this.nodes.get(n)?.containedIn;
        if (c !== undefined && !this.within(c, e.name)) {
          container = c;
          break;
        }
      }
      if (container !== undefined && (g === undefined || this.within(container, g))) p = { kind: 'node', name: container };
      else if (g !== undefined) p = { kind: 'group', name: g };
    }
    this.parents.set(k, p ?? null);
    return p;
  }

  /** The element and its ancestors, nearest first. */
  chain(e: Entity): Entity[] {
    const out: Entity[] = [];
    let cur: Entity | undefined = e;
    while (cur && out.length < 10_000) {
      out.push(cur);
      cur = this.parent(cur);
    }
    return out;
  }

  /** The nearest element that is an ancestor of (or equal to) both nodes. */
  commonAncestor(a: string, b: string): Entity | undefined {
    const k = `${a}\u0000${b}`;
    if (this.common.has(k)) return this.common.get(k);
    const bs = new Set(this.chain({ kind: 'node', name: b }).map(key));
    const found = this.chain({ kind: 'node', name: a }).find((e) => bs.has(key(e)));
    this.common.set(k, found);
    return found;
  }
}

function key(e: Entity): string {
  return `${e.kind}:${e.name}`;
}

/** Allocates unique `<name>_<suffix>` ids. */
class IdAllocator {
  private readonly next: () => string;
  constructor(
    readonly used: Set<string>,
    options: ExpandOptions,
  ) {
    this.next = options.instanceIdSuffix ?? randomSuffix;
  }

  id(name: string): string {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const id = `${name}_${this.next()}`;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
    // A deterministic generator that keeps repeating: fall back to randomness.
    for (;;) {
      const id = `${name}_${randomSuffix()}`;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }
}

interface Context {
  nodeInstances: Map<string, string>;
  groups: { name: string; id: string }[];
}

function instantiate(
  tree: InstanceTree,
  e: Entity,
  count: number,
  ctx: Context,
  ids: IdAllocator,
  out: PlanNodeInstance[],
): void {
  for (let i = 0; i < count; i++) {
    if (e.kind === 'group') {
      const next: Context = { nodeInstances: ctx.nodeInstances, groups: [...ctx.groups, { name: e.name, id: ids.id(e.name) }] };
      for (const child of tree.children.get(`group:${e.name}`) ?? []) instantiate(tree, child, tree.count(child), next, ids, out);
      continue;
    }
    const node = tree.nodes.get(e.name);
    if (!node) continue;
    const id = ids.id(e.name);
    const inst: PlanNodeInstance = { id, node: e.name, scalingGroups: [...ctx.groups], relationships: [] };
    if (node.containedIn !== undefined) {
      const c = ctx.nodeInstances.get(node.containedIn);
      if (c !== undefined) inst.containerId = c;
    }
    if (node.host === node.name) inst.hostId = id;
    else if (node.host !== undefined) {
      const h = ctx.nodeInstances.get(node.host);
      if (h !== undefined) inst.hostId = h;
    }
    out.push(inst);
    const children = tree.children.get(`node:${e.name}`);
    if (children) {
      const nodeInstances = new Map(ctx.nodeInstances);
      nodeInstances.set(e.name, id);
      const next: Context = { nodeInstances, groups: ctx.groups };
      for (const child of children) instantiate(tree, child, tree.count(child), next, ids, out);
    }
  }
}

/** Finds relationship targets among a set of instances (indexed lazily, linear overall). */
class Targeting {
  private readonly byId = new Map<string, PlanNodeInstance>();
  private readonly byNode = new Map<string, PlanNodeInstance[]>();
  private readonly index = new Map<string, Map<string, string[]>>();

  constructor(
    private readonly tree: InstanceTree,
    instances: readonly PlanNodeInstance[],
  ) {
    for (const i of instances) {
      this.byId.set(i.id, i);
      const list = this.byNode.get(i.node) ?? [];
      list.push(i);
      this.byNode.set(i.node, list);
    }
  }

  /** The id of the instance of tree element `e` that `inst` lives in. */
  ancestorKey(inst: PlanNodeInstance, e: Entity): string | undefined {
    if (e.kind === 'group') return inst.scalingGroups.find((g) => g.name === e.name)?.id;
    let cur: PlanNodeInstance | undefined = inst;
    let guard = 0;
    while (cur && guard++ < 10_000) {
      if (cur.node === e.name) return cur.id;
      cur = cur.containerId !== undefined ? this.byId.get(cur.containerId) : undefined;
    }
    return undefined;
  }

  targets(source: PlanNodeInstance, targetNode: string): string[] {
    const all = this.byNode.get(targetNode) ?? [];
    const common = this.tree.commonAncestor(source.node, targetNode);
    if (!common) return all.map((i) => i.id);
    const k = `${targetNode}|${key(common)}`;
    let idx = this.index.get(k);
    if (!idx) {
      idx = new Map();
      for (const t of all) {
        const a = this.ancestorKey(t, common) ?? '';
        const list = idx.get(a) ?? [];
        list.push(t.id);
        idx.set(a, list);
      }
      this.index.set(k, idx);
    }
    return idx.get(this.ancestorKey(source, common) ?? '') ?? [];
  }

  relationshipsOf(source: PlanNodeInstance, node: PlanNode): PlanRelationshipInstance[] {
    const out: PlanRelationshipInstance[] = [];
    node.relationships.forEach((rel, index) => {
      const base = { index, type: rel.type, kind: rel.kind, targetNode: rel.target };
      if (rel.kind === 'contained_in') {
        if (source.containerId !== undefined) out.push({ ...base, targetId: source.containerId });
        return;
      }
      const ids = this.targets(source, rel.target);
      const chosen = rel.connectionType === 'all_to_one' ? ids.slice(0, 1) : ids;
      for (const targetId of chosen) out.push({ ...base, targetId });
    });
    return out;
  }
}

/** The initial expansion of a plan: every node's instances and relationship instances. */
export function expandInstances(plan: Plan, options: ExpandOptions = {}): PlanNodeInstance[] {
  const tree = new InstanceTree(plan);
  const ids = new IdAllocator(new Set(), options);
  const created: PlanNodeInstance[] = [];
  for (const root of tree.roots) instantiate(tree, root, tree.count(root), { nodeInstances: new Map(), groups: [] }, ids, created);
  const targeting = new Targeting(tree, created);
  for (const inst of created) {
    const node = tree.nodes.get(inst.node);
    if (node) inst.relationships = targeting.relationshipsOf(inst, node);
  }
  // Declaration order of nodes, creation order within a node (bucketed: no sort needed).
  const buckets = new Map<string, PlanNodeInstance[]>(plan.nodes.map((n) => [n.name, []]));
  for (const inst of created) buckets.get(inst.node)?.push(inst);
  return [...buckets.values()].flat();
}

/** What scaling out adds: new instances and relationship instances on existing ones. */
export interface InstanceAddition {
  added: PlanNodeInstance[];
  addedRelationships: { sourceId: string; relationship: PlanRelationshipInstance }[];
}

/**
 * Adds `count` instances of a node or scaling group (with everything contained in them)
 * per instance of its parent in the instantiation tree, wired like the initial expansion.
 * Existing instances with an all_to_all relationship toward the new ones get relationship
 * instances too (`addedRelationships`).
 */
export function createInstancesFor(
  plan: Plan,
  existing: readonly PlanNodeInstance[],
  target: string,
  count: number,
  options: ExpandOptions = {},
): InstanceAddition {
  const tree = new InstanceTree(plan);
  const e: Entity = tree.isGroup(target) ? { kind: 'group', name: target } : { kind: 'node', name: target };
  if (e.kind === 'node' && !tree.nodes.has(target)) throw new Error(`Unknown node or scaling group "${target}"`);
  const ids = new IdAllocator(new Set(existing.map((i) => i.id)), options);
  for (const i of existing) for (const g of i.scalingGroups) ids.used.add(g.id);
  const added: PlanNodeInstance[] = [];
  const parent = tree.parent(e);
  for (const ctx of parentContexts(tree, parent, existing)) instantiate(tree, e, count, ctx, ids, added);

  const all = [...existing, ...added];
  const targeting = new Targeting(tree, all);
  for (const inst of added) {
    const node = tree.nodes.get(inst.node);
    if (node) inst.relationships = targeting.relationshipsOf(inst, node);
  }
  const addedIds = new Set(added.map((i) => i.id));
  const addedNodes = new Set(added.map((i) => i.node));
  const addedRelationships: InstanceAddition['addedRelationships'] = [];
  for (const inst of existing) {
    const node = tree.nodes.get(inst.node);
    if (!node) continue;
    node.relationships.forEach((rel, index) => {
      if (rel.kind === 'contained_in' || rel.connectionType === 'all_to_one' || !addedNodes.has(rel.target)) return;
      for (const targetId of targeting.targets(inst, rel.target)) {
        if (!addedIds.has(targetId)) continue;
        addedRelationships.push({
          sourceId: inst.id,
          relationship: { index, type: rel.type, kind: rel.kind, targetNode: rel.target, targetId },
        });
      }
    });
  }
  return { added, addedRelationships };
}

/** The contexts (one per instance of the parent element) new instances are created in. */
function parentContexts(tree: InstanceTree, parent: Entity | undefined, existing: readonly PlanNodeInstance[]): Context[] {
  if (!parent) return [{ nodeInstances: new Map(), groups: [] }];
  const byId = new Map(existing.map((i) => [i.id, i]));
  const ancestry = new Set(tree.chain(parent).map(key));
  const contextOf = (inst: PlanNodeInstance): Context => {
    const nodeInstances = new Map<string, string>();
    let cur: PlanNodeInstance | undefined = inst;
    let guard = 0;
    while (cur && guard++ < 10_000) {
      if (ancestry.has(`node:${cur.node}`)) nodeInstances.set(cur.node, cur.id);
      cur = cur.containerId !== undefined ? byId.get(cur.containerId) : undefined;
    }
    const groups = inst.scalingGroups.filter((g) => ancestry.has(`group:${g.name}`));
    return { nodeInstances, groups };
  };
  const out: Context[] = [];
  if (parent.kind === 'node') {
    for (const inst of existing) if (inst.node === parent.name) out.push(contextOf(inst));
  } else {
    const seen = new Set<string>();
    for (const inst of existing) {
      const g = inst.scalingGroups.find((x) => x.name === parent.name);
      if (!g || seen.has(g.id)) continue;
      seen.add(g.id);
      out.push(contextOf(inst));
    }
  }
  return out;
}

/** What scaling in removes. */
export interface InstanceRemoval {
  /** Removed instance ids: the chosen ones and everything contained in them. */
  removed: string[];
  /** Relationship instances of surviving instances that pointed at removed ones. */
  removedRelationships: { sourceId: string; targetId: string }[];
}

/**
 * Chooses `count` instances of a node or scaling group per instance of its parent (the
 * mirror of createInstancesFor) to remove — the preferred ids first (an instance id selects
 * its group instance), else the most recently listed ones — with everything contained in
 * them.
 */
export function removeInstancesFor(
  plan: Plan,
  existing: readonly PlanNodeInstance[],
  target: string,
  count: number,
  preferIds: readonly string[] = [],
): InstanceRemoval {
  const tree = new InstanceTree(plan);
  const prefer = new Set(preferIds);
  const chosen = new Set<string>();
  const pick = (candidates: string[]): void => {
    const ordered = [...candidates.filter((c) => prefer.has(c)), ...candidates.filter((c) => !prefer.has(c)).reverse()];
    for (const c of ordered.slice(0, count)) chosen.add(c);
  };
  if (tree.isGroup(target)) {
    // Group instances, per instance of the group's parent (as createInstancesFor adds them).
    const parent = tree.parent({ kind: 'group', name: target });
    const targeting = new Targeting(tree, existing);
    const byContext = new Map<string, string[]>();
    const members = new Map<string, string[]>();
    for (const inst of existing) {
      const g = inst.scalingGroups.find((x) => x.name === target);
      if (!g) continue;
      let list = members.get(g.id);
      if (!list) {
        list = [];
        members.set(g.id, list);
        const k = parent ? (targeting.ancestorKey(inst, parent) ?? '') : '';
        const ids = byContext.get(k) ?? [];
        ids.push(g.id);
        byContext.set(k, ids);
      }
      list.push(inst.id);
      if (prefer.has(inst.id)) prefer.add(g.id);
    }
    for (const groupIds of byContext.values()) {
      const ordered = [...groupIds.filter((g) => prefer.has(g)), ...groupIds.filter((g) => !prefer.has(g)).reverse()];
      for (const g of ordered.slice(0, count)) for (const id of members.get(g) ?? []) chosen.add(id);
    }
  } else {
    const parent = tree.parent({ kind: 'node', name: target });
    const byContext = new Map<string, string[]>();
    const targeting = new Targeting(tree, existing);
    for (const inst of existing) {
      if (inst.node !== target) continue;
      const k = parent ? (targeting.ancestorKey(inst, parent) ?? '') : '';
      const list = byContext.get(k) ?? [];
      list.push(inst.id);
      byContext.set(k, list);
    }
    for (const list of byContext.values()) pick(list);
  }
  // Everything contained in a removed instance goes too.
  const childrenOf = new Map<string, string[]>();
  for (const inst of existing) {
    if (inst.containerId === undefined) continue;
    const list = childrenOf.get(inst.containerId) ?? [];
    list.push(inst.id);
    childrenOf.set(inst.containerId, list);
  }
  const stack = [...chosen];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    for (const c of childrenOf.get(id) ?? []) {
      if (!chosen.has(c)) {
        chosen.add(c);
        stack.push(c);
      }
    }
  }
  const removedRelationships: InstanceRemoval['removedRelationships'] = [];
  for (const inst of existing) {
    if (chosen.has(inst.id)) continue;
    for (const r of inst.relationships) if (chosen.has(r.targetId)) removedRelationships.push({ sourceId: inst.id, targetId: r.targetId });
  }
  return { removed: existing.filter((i) => chosen.has(i.id)).map((i) => i.id), removedRelationships };
}
