/**
 * Workflow builders: pure functions from a DeploymentModel and the workflow parameters to a
 * WorkflowBuild (task graph, plus the instance modification for scale). Nothing here does
 * I/O; bad parameters throw WorkflowParameterError before anything runs.
 */
import type { Value } from '../dsl/plan-model';
import type { DeploymentModel, WorkflowBuild } from '../model/deployment-model';
import { WorkflowParameterError } from './errors';
import { buildInstall, buildUninstall } from './install';
import { buildScale, SCALE_PARAMS } from './scale';
import { buildHeal, HEAL_PARAMS } from './heal';
import {
  buildExecuteOperation,
  buildRestart,
  buildStartStop,
  EXECUTE_OPERATION_PARAMS,
  RESTART_PARAMS,
  START_STOP_PARAMS,
} from './execute-operation';

export { WorkflowParameterError } from './errors';
export { describeGraph, topologicalOrder, validateGraph } from './describe';
export { buildInstall, buildUninstall } from './install';
export { buildScale, buildScaleRollback } from './scale';
export { buildHeal, healSubtree } from './heal';
export { buildExecuteOperation, buildRestart, buildStartStop } from './execute-operation';
export { applyModification } from '../model/modification';
export type { TaskGraph, TaskSpec, TaskKind } from './task-graph';

/** Options that are not workflow parameters (tests pass a deterministic id generator). */
export interface BuildOptions {
  /** Suffix of a new instance id (`<node>_<suffix>`, scale); collisions are retried.
   * Default: 6 random `[a-z0-9]`. */
  instanceIdSuffix?: () => string;
}

interface Builder {
  /** Parameter names the builder reads (a declared default for any other is ignored). */
  params: readonly string[];
  build: (model: DeploymentModel, params: Record<string, Value>, workflow: string, options: BuildOptions) => WorkflowBuild;
}

const BUILDERS: Record<string, Builder> = {
  install: { params: [], build: (m, p, w) => buildInstall(m, p, w) },
  uninstall: { params: ['ignore_failure'], build: (m, p, w) => buildUninstall(m, p, w) },
  scale: { params: SCALE_PARAMS, build: (m, p, w, o) => buildScale(m, p, w, o.instanceIdSuffix) },
  heal: { params: HEAL_PARAMS, build: (m, p, w) => buildHeal(m, p, w) },
  execute_operation: { params: EXECUTE_OPERATION_PARAMS, build: (m, p, w) => buildExecuteOperation(m, p, w) },
  start: { params: START_STOP_PARAMS, build: (m, p, w) => buildStartStop('start', m, p, w) },
  stop: { params: START_STOP_PARAMS, build: (m, p, w) => buildStartStop('stop', m, p, w) },
  restart: { params: RESTART_PARAMS, build: (m, p, w) => buildRestart(m, p, w) },
};

/** Names of the built-in workflows. */
export const BUILTIN_WORKFLOWS: readonly string[] = Object.keys(BUILDERS);

/** Mappings of the standard workflows: Trellis's core types (`trellis.workflows.<name>`) and
 * Cloudify's `types.yaml`, so a blueprint workflow declared with one uses the built-in builder. */
const STANDARD_MAPPING = /^(?:trellis\.workflows|default_workflows\.cloudify\.plugins\.workflows)\.(\w+)$/;
const MAPPING_ALIASES: Record<string, string> = { scale_entity: 'scale', auto_heal_reinstall_node_subgraph: 'heal' };

/**
 * Builds the task graph of a workflow. `name` is a built-in workflow or a blueprint
 * workflow mapped to a standard one (its declared parameter defaults apply).
 */
export function buildWorkflow(
  name: string,
  model: DeploymentModel,
  params: Record<string, Value> = {},
  options: BuildOptions = {},
): WorkflowBuild {
  const declared = Object.hasOwn(model.plan.workflows, name) ? model.plan.workflows[name] : undefined;
  let builderName = name;
  if (declared) {
    const mapped = STANDARD_MAPPING.exec(declared.mapping)?.[1];
    if (mapped !== undefined) builderName = MAPPING_ALIASES[mapped] ?? mapped;
  }
  const builder = Object.hasOwn(BUILDERS, builderName) ? BUILDERS[builderName] : undefined;
  if (!builder) {
    throw new WorkflowParameterError(
      name,
      declared
        ? `workflow ${name} is mapped to ${declared.mapping}, which Trellis cannot run (built-in workflows: ${BUILTIN_WORKFLOWS.join(', ')})`
        : `unknown workflow ${name} (built-in workflows: ${BUILTIN_WORKFLOWS.join(', ')})`,
    );
  }
  const merged: Record<string, Value> = {};
  for (const [key, schema] of Object.entries(declared?.parameters ?? {})) {
    const value = schema.default;
    if (builder.params.includes(key) && value !== undefined && value !== null && value !== '') merged[key] = value;
  }
  return builder.build(model, { ...merged, ...params }, name, options);
}
