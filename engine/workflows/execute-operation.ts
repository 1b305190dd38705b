/**
 * execute_operation, start, stop and restart: run operations on a filtered set of instances.
 *
 * Filters (`type_names`, `node_ids`, `node_instance_ids`) combine with AND; an empty filter
 * lets everything through; unknown node or instance ids are errors. With
 * `run_by_dependency_order` every instance gets a (possibly empty) chain ordered by
 * relationships, so an instance waits for the ones it depends on even through instances
 * that were filtered out (as Cloudify does); without it the selected instances run in
 * parallel.
 */
import type { PlanNode, PlanOperation, Value } from '../dsl/plan-model';
import type { DeploymentModel, ModelInstance, WorkflowBuild } from '../model/deployment-model';
import { InstanceState } from '../model/deployment-model';
import type { ModelIndex } from '../model/model-index';
import { indexModel, nodeOf } from '../model/model-index';
import { WorkflowParameterError } from './errors';
import { GraphBuilder } from './graph-builder';
import type { ChainOrder, InstanceSteps } from './lifecycle';
import { addChains, LIFECYCLE } from './lifecycle';
import { WorkflowParams } from './params';

const FILTER_PARAMS = ['type_names', 'node_ids', 'node_instance_ids', 'run_by_dependency_order'] as const;
export const EXECUTE_OPERATION_PARAMS = ['operation', 'operation_kwargs', 'allow_kwargs_override', ...FILTER_PARAMS] as const;
export const START_STOP_PARAMS = ['operation_parms', ...FILTER_PARAMS] as const;
export const RESTART_PARAMS = ['stop_parms', 'start_parms', ...FILTER_PARAMS] as const;

/** The instances the filters select, in model order. */
export function selectInstances(workflow: string, index: ModelIndex, p: WorkflowParams): ModelInstance[] {
  const typeNames = p.stringList('type_names');
  const nodeIds = p.stringList('node_ids');
  const instanceIds = p.stringList('node_instance_ids');
  const unknownNodes = nodeIds.filter((n) => !index.nodes.has(n));
  if (unknownNodes.length > 0) throw new WorkflowParameterError(workflow, `node_ids: no node named ${unknownNodes.join(', ')} in this deployment`, 'node_ids');
  const unknownInstances = instanceIds.filter((i) => !index.instances.has(i));
  if (unknownInstances.length > 0) {
    throw new WorkflowParameterError(workflow, `node_instance_ids: no node instance ${unknownInstances.join(', ')} in this deployment`, 'node_instance_ids');
  }
  const nodes = new Set(nodeIds);
  const instances = new Set(instanceIds);
  return index.model.instances.filter((instance) => {
    if (nodes.size > 0 && !nodes.has(instance.node)) return false;
    if (instances.size > 0 && !instances.has(instance.id)) return false;
    if (typeNames.length > 0 && !nodeOf(index, instance).typeHierarchy.some((t) => typeNames.includes(t))) return false;
    return true;
  });
}

/** Resolves `operation` on a node: a full `<interface>.<name>` key, or a short name that is
 * unique among the node's interfaces. Undefined when the node does not declare it. */
function resolveOperation(workflow: string, node: PlanNode, operation: string): [string, PlanOperation] | undefined {
  const direct = node.operations[operation];
  if (direct) return [operation, direct];
  if (operation.includes('.')) return undefined;
  const matches = Object.entries(node.operations).filter(([, op]) => op.name === operation);
  if (matches.length > 1) {
    throw new WorkflowParameterError(
      workflow,
      `operation ${operation} is ambiguous on node ${node.name} (${matches.map(([k]) => k).join(', ')}); give the full name`,
      'operation',
    );
  }
  return matches[0];
}

/** Adds chains for the selection (all instances, when in dependency order). */
function addSelection(
  b: GraphBuilder,
  index: ModelIndex,
  phase: string,
  selected: readonly ModelInstance[],
  order: ChainOrder,
  after: readonly string[],
  body: (steps: InstanceSteps, instance: ModelInstance) => void,
): string {
  const chosen = new Set(selected.map((i) => i.id));
  const instances = order === 'parallel' ? selected : index.model.instances;
  return addChains(b, index, { phase, instances, order, after }, (steps, instance) => {
    if (chosen.has(instance.id)) body(steps, instance);
  });
}

export function buildExecuteOperation(model: DeploymentModel, params: Record<string, Value>, workflow = 'execute_operation'): WorkflowBuild {
  const p = new WorkflowParams(workflow, params, EXECUTE_OPERATION_PARAMS);
  const operation = p.string('operation');
  if (operation === undefined) throw new WorkflowParameterError(workflow, `${workflow} needs operation, e.g. cloudify.interfaces.lifecycle.configure`, 'operation');
  const kwargs = p.dict('operation_kwargs');
  const allowOverride = p.boolean('allow_kwargs_override', false);
  const index = indexModel(model);
  const selected = selectInstances(workflow, index, p);

  const resolved = new Map<string, [string, PlanOperation] | undefined>();
  for (const instance of selected) {
    if (resolved.has(instance.node)) continue;
    const node = nodeOf(index, instance);
    const found = resolveOperation(workflow, node, operation);
    resolved.set(instance.node, found);
    const clash = found ? Object.keys(kwargs).filter((k) => Object.hasOwn(found[1].inputs, k)) : [];
    if (clash.length > 0 && !allowOverride) {
      throw new WorkflowParameterError(
        workflow,
        `operation_kwargs ${clash.join(', ')} would override inputs ${found![0]} declares on node ${node.name}; set allow_kwargs_override to true to allow it`,
        'allow_kwargs_override',
      );
    }
  }
  if (selected.length > 0 && [...resolved.values()].every((r) => r === undefined)) {
    throw new WorkflowParameterError(workflow, `operation ${operation} is not declared by any selected node (${[...resolved.keys()].join(', ')})`, 'operation');
  }

  const b = new GraphBuilder(workflow);
  if (selected.length === 0) {
    b.add({ id: 'execute:none', kind: 'event', name: 'no instances selected', message: `no node instance matches the filters; ${operation} runs nowhere` }, []);
    return { graph: b.build() };
  }
  const order: ChainOrder = p.boolean('run_by_dependency_order', false) ? 'targets-first' : 'parallel';
  addSelection(b, index, 'execute', selected, order, [], (steps, instance) => {
    const found = resolved.get(instance.node);
    if (!found) steps.event(`skip:${operation}`, `skipped ${operation}: not declared by node ${instance.node}`);
    else steps.operation(found[0], { inputs: kwargs });
  });
  return { graph: b.build() };
}

function startSteps(steps: InstanceSteps, inputs: Record<string, Value>): void {
  steps
    .state(InstanceState.starting)
    .operation(`${LIFECYCLE}.start`, { inputs })
    .operation(`${LIFECYCLE}.poststart`)
    .state(InstanceState.started);
}

function stopSteps(steps: InstanceSteps, inputs: Record<string, Value>): void {
  steps
    .state(InstanceState.stopping)
    .operation(`${LIFECYCLE}.prestop`)
    .operation(`${LIFECYCLE}.stop`, { inputs })
    .state(InstanceState.stopped);
}

/** start (`operation_parms` go to start) and stop (to stop): dependency order by default. */
export function buildStartStop(kind: 'start' | 'stop', model: DeploymentModel, params: Record<string, Value>, workflow: string = kind): WorkflowBuild {
  const p = new WorkflowParams(workflow, params, START_STOP_PARAMS);
  const inputs = p.dict('operation_parms');
  const index = indexModel(model);
  const selected = selectInstances(workflow, index, p);
  const ordered = p.boolean('run_by_dependency_order', true);
  const order: ChainOrder = !ordered ? 'parallel' : kind === 'start' ? 'targets-first' : 'sources-first';
  const b = new GraphBuilder(workflow);
  addSelection(b, index, kind, selected, order, [], (steps) => (kind === 'start' ? startSteps(steps, inputs) : stopSteps(steps, inputs)));
  return { graph: b.build() };
}

/** restart: stop the selection (sources first), then start it (targets first). */
export function buildRestart(model: DeploymentModel, params: Record<string, Value>, workflow = 'restart'): WorkflowBuild {
  const p = new WorkflowParams(workflow, params, RESTART_PARAMS);
  const stopInputs = p.dict('stop_parms');
  const startInputs = p.dict('start_parms');
  const index = indexModel(model);
  const selected = selectInstances(workflow, index, p);
  const ordered = p.boolean('run_by_dependency_order', true);
  const b = new GraphBuilder(workflow);
  const stopped = addSelection(b, index, 'stop', selected, ordered ? 'sources-first' : 'parallel', [], (steps) => stopSteps(steps, stopInputs));
  addSelection(b, index, 'start', selected, ordered ? 'targets-first' : 'parallel', [stopped], (steps) => startSteps(steps, startInputs));
  return { graph: b.build() };
}
