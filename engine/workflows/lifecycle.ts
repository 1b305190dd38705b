/**
 * The per-instance lifecycle chains of DESIGN.md §3, after Cloudify's `lifecycle.py`:
 *
 * install:   creating, precreate, create, created, [preconfigure], configuring, configure,
 *            configured, [postconfigure], starting, start, poststart, started, [establish]
 * uninstall: stopping, prestop, stop, stopped, [unlink, groups reversed], deleting, delete,
 *            postdelete, deleted
 *
 * `[op]` is a relationship step: the instance's relationship instances grouped by target node
 * in declaration order; a group runs the source- and target-side operations of all its
 * relationship instances in parallel; groups run one after the other. (Cloudify runs
 * preconfigure before setting `configuring`; so do we.) A lifecycle operation the type does
 * not implement becomes a "skipped" event (one per run of consecutive ones); relationship
 * operations without implementation are left out.
 *
 * A phase is a set of instances to install (or uninstall) plus "intact" instances that stay
 * but run only `establish` (or `unlink`) for some of their relationships (scale, heal). Each
 * instance's chain starts after the chain of every instance it has a relationship to
 * (install) or that has a relationship to it (uninstall). Ids are
 * `<phase>:<instance>:<step>`, so the same model always gives the same graph.
 */
import type { PlanRelationshipInstance, Value } from '../dsl/plan-model';
import type { ModelInstance } from '../model/deployment-model';
import { InstanceState } from '../model/deployment-model';
import type { ModelIndex } from '../model/model-index';
import { byDependencyOrder, isImplemented, nodeOf, relationshipOf } from '../model/model-index';
import type { GraphBuilder, NewTask } from './graph-builder';
import { Chain } from './graph-builder';

export const LIFECYCLE = 'cloudify.interfaces.lifecycle';
export const RELATIONSHIP_LIFECYCLE = 'cloudify.interfaces.relationship_lifecycle';

export type RelationshipStep = 'preconfigure' | 'postconfigure' | 'establish' | 'unlink';

/** An instance that stays: it runs only the given step for the listed relationships. */
export interface IntactInstance {
  instance: ModelInstance;
  relationships: PlanRelationshipInstance[];
}

export interface PhaseSpec {
  /** Id prefix of every task of the phase (unique per graph). */
  phase: string;
  instances: readonly ModelInstance[];
  intact?: readonly IntactInstance[];
  /** Every chain of the phase waits for these tasks (the previous phase's end). */
  after?: readonly string[];
  /** Operation failures do not fail the execution. */
  ignoreFailure?: boolean;
  /** Uninstall: run the full chain even for instances whose state says never installed
   * (scale-out rollback, where the graph is built before the instances ran; heal). Stop
   * and unlink stay best effort for instances not started. */
  assumeInstalled?: boolean;
}

/** Id of the noop that closes a phase (depends on every chain of it). */
export function phaseDone(phase: string): string {
  return `${phase}:done`;
}

const chainBegin = (phase: string, id: string): string => `${phase}:${id}:begin`;
const chainEnd = (phase: string, id: string): string => `${phase}:${id}:end`;

/** States in which an instance has been started (so stop and unlink are expected to work). */
const STARTED_STATES = new Set<string>([
  InstanceState.starting,
  InstanceState.started,
  InstanceState.stopping,
  InstanceState.stopped,
]);

type LifecycleStep = { skip: false; id: string; operation: string } | { skip: true; id: string; message: string };

/** Per model index and node: the operation and skip steps of a run of lifecycle operations.
 * The same for every instance of a node, so computed once (and the strings shared). */
const stepCache = new WeakMap<ModelIndex, Map<string, LifecycleStep[]>>();

function lifecycleSteps(index: ModelIndex, nodeName: string, names: readonly string[]): LifecycleStep[] {
  let perIndex = stepCache.get(index);
  if (!perIndex) stepCache.set(index, (perIndex = new Map<string, LifecycleStep[]>()));
  const key = `${nodeName}|${names.join(',')}`;
  const cached = perIndex.get(key);
  if (cached) return cached;
  const node = index.nodes.get(nodeName);
  if (!node) throw new Error(`unknown node ${nodeName}`);
  const steps: LifecycleStep[] = [];
  let skipped: string[] = [];
  const flush = (): void => {
    if (skipped.length === 0) return;
    steps.push({ skip: true, id: `skip:${skipped[0]}`, message: `skipped ${skipped.join(', ')}: not implemented by ${node.type}` });
    skipped = [];
  };
  for (const name of names) {
    const full = `${LIFECYCLE}.${name}`;
    if (!isImplemented(node.operations[full])) {
      skipped.push(name);
      continue;
    }
    flush();
    steps.push({ skip: false, id: `op:${full}`, operation: full });
  }
  flush();
  perIndex.set(key, steps);
  return steps;
}

/** Builds one instance's chain step by step (see `addChains`). */
export class InstanceSteps {
  readonly chain: Chain;
  constructor(
    private readonly b: GraphBuilder,
    private readonly index: ModelIndex,
    private readonly phase: string,
    private readonly instance: ModelInstance,
    begin: string,
  ) {
    this.chain = new Chain(b, [begin]);
  }

  private id(step: string): string {
    return `${this.phase}:${this.instance.id}:${step}`;
  }

  state(state: string): this {
    this.chain.then({
      id: this.id(`state:${state}`),
      kind: 'state',
      name: `${this.instance.id}: state ${state}`,
      nodeId: this.instance.node,
      instanceId: this.instance.id,
      state,
    });
    return this;
  }

  event(step: string, message: string): this {
    this.chain.then({
      id: this.id(step),
      kind: 'event',
      name: `${this.instance.id}: ${message}`,
      nodeId: this.instance.node,
      instanceId: this.instance.id,
      message,
    });
    return this;
  }

  /** Lifecycle operations in sequence; consecutive unimplemented ones become one event. */
  operations(names: readonly string[], ignoreFailure: boolean): this {
    for (const step of lifecycleSteps(this.index, this.instance.node, names)) {
      if (step.skip) {
        this.event(step.id, step.message);
        continue;
      }
      const task: NewTask = {
        id: this.id(step.id),
        kind: 'operation',
        name: `${this.instance.id}: ${step.operation}`,
        nodeId: this.instance.node,
        instanceId: this.instance.id,
        operation: step.operation,
      };
      if (ignoreFailure) task.ignoreFailure = true;
      this.chain.then(task);
    }
    return this;
  }

  /** One operation with workflow-given inputs (execute_operation, start/stop); an
   * unimplemented one becomes a skip event. */
  operation(full: string, options: { inputs?: Record<string, Value>; ignoreFailure?: boolean } = {}): this {
    const node = nodeOf(this.index, this.instance);
    if (!isImplemented(node.operations[full])) {
      return this.event(`skip:${full}`, `skipped ${full}: not implemented by ${node.type}`);
    }
    this.chain.then({
      id: this.id(`op:${full}`),
      kind: 'operation',
      name: `${this.instance.id}: ${full}`,
      nodeId: this.instance.node,
      instanceId: this.instance.id,
      operation: full,
      ...(options.inputs && Object.keys(options.inputs).length > 0 ? { inputs: options.inputs } : {}),
      ...(options.ignoreFailure ? { ignoreFailure: true } : {}),
    });
    return this;
  }

  /** One relationship step over the given relationship instances (see the file comment). */
  relationships(
    step: RelationshipStep,
    relationships: readonly PlanRelationshipInstance[],
    options: { reverse?: boolean; ignoreFailure?: boolean } = {},
  ): this {
    if (relationships.length === 0) return this;
    const full = `${RELATIONSHIP_LIFECYCLE}.${step}`;
    const sorted = [...relationships].sort((a, b) => a.index - b.index);
    const groups: NewTask[][] = [];
    let lastTargetNode: string | undefined;
    for (const rel of sorted) {
      if (rel.targetNode !== lastTargetNode || groups.length === 0) groups.push([]);
      lastTargetNode = rel.targetNode;
      const group = groups[groups.length - 1]!;
      const declared = relationshipOf(this.index, this.instance, rel);
      for (const side of ['source', 'target'] as const) {
        const operation = (side === 'source' ? declared.sourceOperations : declared.targetOperations)[full];
        // Unimplemented relationship operations are left out silently, as Cloudify does: the
        // core types declare all eight on every relationship, so events would drown the log.
        if (!isImplemented(operation)) continue;
        group.push({
          id: this.id(`rel:${step}:${rel.index}:${rel.targetId}:${side}`),
          kind: 'operation',
          name: `${this.instance.id} -> ${rel.targetId}: ${full} (${side})`,
          nodeId: this.instance.node,
          instanceId: this.instance.id,
          operation: full,
          relationship: { index: rel.index, targetId: rel.targetId, side },
          ...(options.ignoreFailure ? { ignoreFailure: true } : {}),
        });
      }
    }
    const ordered = groups.map((tasks, i) => ({ tasks, i })).filter((g) => g.tasks.length > 0);
    if (options.reverse) ordered.reverse();
    for (const { tasks, i } of ordered) this.chain.parallel(tasks, this.id(`rel:${step}:g${i}:join`));
    return this;
  }

  close(end: string): void {
    this.chain.close(end, `${this.instance.id}: end`);
  }
}

export type ChainOrder = 'targets-first' | 'sources-first' | 'parallel';

/**
 * Adds one chain per instance, `body` filling it. With `targets-first` a chain waits for the
 * chains of the instances it has a relationship to, with `sources-first` for the chains of
 * the instances that have a relationship to it. Chains are emitted in that order so every
 * dependency refers to an earlier task. Returns the id of the noop closing them all.
 */
export function addChains(
  b: GraphBuilder,
  index: ModelIndex,
  spec: { phase: string; instances: readonly ModelInstance[]; order: ChainOrder; after?: readonly string[] },
  body: (steps: InstanceSteps, instance: ModelInstance) => void,
): string {
  const { phase } = spec;
  const withChain = new Set(spec.instances.map((i) => i.id));
  const sorted = byDependencyOrder(index, spec.instances);
  if (spec.order === 'sources-first') sorted.reverse();
  const ends: string[] = [];
  for (const instance of sorted) {
    const deps = [...(spec.after ?? [])];
    if (spec.order === 'targets-first') {
      for (const rel of instance.relationships) {
        if (withChain.has(rel.targetId) && rel.targetId !== instance.id) deps.push(chainEnd(phase, rel.targetId));
      }
    } else if (spec.order === 'sources-first') {
      for (const { source } of index.incoming.get(instance.id) ?? []) {
        if (withChain.has(source.id) && source.id !== instance.id) deps.push(chainEnd(phase, source.id));
      }
    }
    const begin = b.noop(chainBegin(phase, instance.id), `${instance.id}: begin`, [...new Set(deps)]);
    const steps = new InstanceSteps(b, index, phase, instance, begin);
    body(steps, instance);
    const end = chainEnd(phase, instance.id);
    steps.close(end);
    ends.push(end);
  }
  return b.noop(phaseDone(phase), `${phase}: done`, ends);
}

/**
 * Adds an install phase: full install chains for `instances`, `establish` for the intact
 * ones. Returns the id of the noop that closes the phase.
 */
export function addInstallPhase(b: GraphBuilder, index: ModelIndex, spec: PhaseSpec): string {
  const intact = new Map((spec.intact ?? []).map((i) => [i.instance.id, i] as const));
  const installing = new Set(spec.instances.map((i) => i.id));
  const ignore = spec.ignoreFailure ?? false;
  const all = [...spec.instances, ...[...intact.values()].map((i) => i.instance)];
  return addChains(b, index, { phase: spec.phase, instances: all, order: 'targets-first', ...(spec.after ? { after: spec.after } : {}) }, (steps, instance) => {
    if (!installing.has(instance.id)) {
      steps.relationships('establish', intact.get(instance.id)?.relationships ?? [], { ignoreFailure: ignore });
      return;
    }
    const rels = instance.relationships;
    steps
      .state(InstanceState.creating)
      .operations(['precreate', 'create'], ignore)
      .state(InstanceState.created)
      .relationships('preconfigure', rels, { ignoreFailure: ignore })
      .state(InstanceState.configuring)
      .operations(['configure'], ignore)
      .state(InstanceState.configured)
      .relationships('postconfigure', rels, { ignoreFailure: ignore })
      .state(InstanceState.starting)
      .operations(['start', 'poststart'], ignore)
      .state(InstanceState.started)
      .relationships('establish', rels, { ignoreFailure: ignore });
  });
}

/**
 * Adds an uninstall phase: full uninstall chains for `instances` (sources before targets),
 * `unlink` for the intact ones. Returns the id of the noop that closes the phase.
 */
export function addUninstallPhase(b: GraphBuilder, index: ModelIndex, spec: PhaseSpec): string {
  const intact = new Map((spec.intact ?? []).map((i) => [i.instance.id, i] as const));
  const removing = new Set(spec.instances.map((i) => i.id));
  const ignoreAll = spec.ignoreFailure ?? false;
  const assumeInstalled = spec.assumeInstalled ?? false;
  const all = [...spec.instances, ...[...intact.values()].map((i) => i.instance)];
  return addChains(b, index, { phase: spec.phase, instances: all, order: 'sources-first', ...(spec.after ? { after: spec.after } : {}) }, (steps, instance) => {
    if (!removing.has(instance.id)) {
      steps.relationships('unlink', intact.get(instance.id)?.relationships ?? [], { reverse: true, ignoreFailure: ignoreAll });
    } else if (!assumeInstalled && instance.state === InstanceState.deleted) {
      steps.event('skip:deleted', 'already deleted; nothing to uninstall');
    } else if (!assumeInstalled && instance.state === InstanceState.uninitialized) {
      steps.event('skip:uninitialized', 'never installed; nothing to uninstall').state(InstanceState.deleted);
    } else {
      // An instance that never got to `starting` has nothing running and no established
      // relationship: stopping and unlinking it are best effort.
      const bestEffort = ignoreAll || !STARTED_STATES.has(instance.state);
      steps
        .state(InstanceState.stopping)
        .operations(['prestop', 'stop'], bestEffort)
        .state(InstanceState.stopped)
        .relationships('unlink', instance.relationships, { reverse: true, ignoreFailure: bestEffort })
        .state(InstanceState.deleting)
        .operations(['delete', 'postdelete'], ignoreAll)
        .state(InstanceState.deleted);
    }
  });
}
