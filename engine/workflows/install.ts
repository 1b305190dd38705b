/**
 * install and uninstall: every instance of the deployment, in dependency order
 * (see lifecycle.ts for the per-instance chains).
 */
import type { Value } from '../dsl/plan-model';
import type { DeploymentModel, WorkflowBuild } from '../model/deployment-model';
import { indexModel } from '../model/model-index';
import { GraphBuilder } from './graph-builder';
import { addInstallPhase, addUninstallPhase } from './lifecycle';
import { WorkflowParams } from './params';

/** install: no parameters. */
export function buildInstall(model: DeploymentModel, params: Record<string, Value> = {}, workflow = 'install'): WorkflowBuild {
  new WorkflowParams(workflow, params, []);
  const b = new GraphBuilder(workflow);
  addInstallPhase(b, indexModel(model), { phase: 'install', instances: model.instances });
  return { graph: b.build() };
}

/**
 * uninstall (`ignore_failure`, default false: when true no operation failure stops it).
 * Instances never installed (uninitialized) or already deleted skip their operations.
 */
export function buildUninstall(model: DeploymentModel, params: Record<string, Value> = {}, workflow = 'uninstall'): WorkflowBuild {
  const p = new WorkflowParams(workflow, params, ['ignore_failure']);
  const b = new GraphBuilder(workflow);
  addUninstallPhase(b, indexModel(model), {
    phase: 'uninstall',
    instances: model.instances,
    ignoreFailure: p.boolean('ignore_failure', false),
  });
  return { graph: b.build() };
}
