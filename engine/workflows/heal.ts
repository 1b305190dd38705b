/**
 * heal (Cloudify's `auto_heal_reinstall_node_subgraph`): the failing instance's host (its
 * Compute ancestor; the instance itself when it has none) and everything contained in it.
 *
 * 1. `check_status` (cloudify.interfaces.validation) on every subtree instance that has it,
 *    all at once; a failure there is the expected symptom, so it is recorded, not fatal.
 * 2. If every subtree instance implements `cloudify.interfaces.lifecycle.heal`, those run in
 *    dependency order. Otherwise the subtree is reinstalled: instances outside it unlink
 *    from it, it is uninstalled (best effort, `ignore_failure` default true), installed
 *    again, and the outside instances establish toward it again. The subtree's own
 *    relationship operations run on both sides, so a floating IP or volume attached by a
 *    relationship is attached again.
 *
 * The graph is fixed before it runs, so `check_status` cannot skip healthy instances.
 */
import type { Value } from '../dsl/plan-model';
import type { DeploymentModel, ModelInstance, WorkflowBuild } from '../model/deployment-model';
import { containedSubtree, indexModel, isImplemented, nodeOf } from '../model/model-index';
import { WorkflowParameterError } from './errors';
import { GraphBuilder } from './graph-builder';
import type { IntactInstance } from './lifecycle';
import { addChains, addInstallPhase, addUninstallPhase, LIFECYCLE } from './lifecycle';
import { WorkflowParams } from './params';

export const HEAL_PARAMS = ['node_instance_id', 'diagnose_value', 'check_status', 'ignore_failure'] as const;
export const CHECK_STATUS = 'cloudify.interfaces.validation.check_status';
export const HEAL_OPERATION = `${LIFECYCLE}.heal`;

export function buildHeal(model: DeploymentModel, params: Record<string, Value>, workflow = 'heal'): WorkflowBuild {
  const p = new WorkflowParams(workflow, params, HEAL_PARAMS);
  const id = p.string('node_instance_id');
  if (id === undefined) throw new WorkflowParameterError(workflow, `${workflow} needs node_instance_id: the failing node instance`, 'node_instance_id');
  p.string('diagnose_value');
  const index = indexModel(model);
  const failing = index.instances.get(id);
  if (!failing) {
    const sample = model.instances.slice(0, 8).map((i) => i.id);
    throw new WorkflowParameterError(
      workflow,
      `no node instance ${id} in deployment ${model.deploymentId}${sample.length > 0 ? ` (instances include ${sample.join(', ')})` : ''}`,
      'node_instance_id',
    );
  }
  const host = failing.hostId !== undefined ? index.instances.get(failing.hostId) : undefined;
  const subtree = containedSubtree(index, host ?? failing);
  const inSubtree = new Set(subtree.map((i) => i.id));

  const b = new GraphBuilder(workflow);
  let after: string[] = [];
  if (p.boolean('check_status', true)) {
    const checked = subtree.filter((i) => isImplemented(nodeOf(index, i).operations[CHECK_STATUS]));
    if (checked.length > 0) {
      after = [addChains(b, index, { phase: 'heal-check', instances: checked, order: 'parallel' }, (steps) => steps.operation(CHECK_STATUS, { ignoreFailure: true }))];
    }
  }

  if (subtree.every((i) => isImplemented(nodeOf(index, i).operations[HEAL_OPERATION]))) {
    addChains(b, index, { phase: 'heal', instances: subtree, order: 'targets-first', after }, (steps) => steps.operation(HEAL_OPERATION));
    return { graph: b.build() };
  }

  // Instances outside the subtree with relationships into it: unlink before, establish after.
  const intact = new Map<string, IntactInstance>();
  for (const target of subtree) {
    for (const { source, relationship } of index.incoming.get(target.id) ?? []) {
      if (inSubtree.has(source.id)) continue;
      const entry = intact.get(source.id) ?? { instance: source, relationships: [] };
      entry.relationships.push(relationship);
      intact.set(source.id, entry);
    }
  }
  const outside = [...intact.values()];
  const uninstalled = addUninstallPhase(b, index, {
    phase: 'heal-uninstall',
    instances: subtree,
    intact: outside,
    ignoreFailure: p.boolean('ignore_failure', true),
    assumeInstalled: true,
    after,
  });
  addInstallPhase(b, index, { phase: 'heal-install', instances: subtree, intact: outside, after: [uninstalled] });
  return { graph: b.build() };
}

/** The instances a heal of `instanceId` acts on (host subtree), or undefined when unknown. */
export function healSubtree(model: DeploymentModel, instanceId: string): ModelInstance[] | undefined {
  const index = indexModel(model);
  const failing = index.instances.get(instanceId);
  if (!failing) return undefined;
  const host = failing.hostId !== undefined ? index.instances.get(failing.hostId) : undefined;
  return containedSubtree(index, host ?? failing);
}
