/**
 * Workflows over plans the real compiler produced (fixtures of test/fixtures/valid), so the
 * builders are checked against the shapes real blueprints give: core types declaring every
 * operation, nested scaling groups, relationship operations on the target side.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../engine/dsl/index';
import type { Plan } from '../../../engine/dsl/plan-model';
import type { DeploymentModel } from '../../../engine/model/deployment-model';
import { applyModification, buildWorkflow, validateGraph } from '../../../engine/workflows';
import { counterSuffix, fixtureOptions, fixtureResolver, validDir } from '../dsl/fixture-support';
import { findTask, reachability, simulate } from './helpers/simulate';

function modelOf(plan: Plan, state = 'uninitialized'): DeploymentModel {
  return { deploymentId: 'dep', plan, instances: plan.instances.map((i) => ({ ...i, state, runtimeProperties: {}, version: 1 })) };
}

function fixture(name: string, state?: string): DeploymentModel {
  const result = compile(fixtureOptions(join(validDir, name)));
  expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return modelOf(result.plan!, state);
}

const idOf = (model: DeploymentModel, node: string): string => model.instances.find((i) => i.node === node)!.id;

describe('workflows on compiled blueprints', () => {
  it('installs nodecellar hosts first, the application last, and runs the target-side script', () => {
    const model = fixture('nodecellar');
    const { graph } = buildWorkflow('install', model);
    validateGraph(graph);
    const [mongod, nodejs, app] = ['mongod', 'nodejs', 'nodecellar'].map((n) => idOf(model, n)) as [string, string, string];
    const reaches = reachability(graph);
    expect(reaches(findTask(graph, `${mongod}:started`).id, findTask(graph, `${app}:creating`).id)).toBe(true);
    expect(reaches(findTask(graph, `${nodejs}:started`).id, findTask(graph, `${app}:creating`).id)).toBe(true);
    const run = simulate(graph);
    const appOps = run.ops.filter((o) => o.startsWith(app));
    expect(appOps).toEqual([`${app}.configure`, `${app}->${mongod}.postconfigure.target`, `${app}.start`]);
    const uninstall = buildWorkflow('uninstall', fixture('nodecellar', 'started')).graph;
    const un = simulate(uninstall);
    const appDeleted = un.end.get(findTask(uninstall, `${app}:deleted`).id)!;
    expect(un.start.get(findTask(uninstall, `${mongod}:stopping`).id)).toBeGreaterThanOrEqual(appDeleted);
  });

  it('scales a nested scaling group once per instance of the enclosing group, within bounds', () => {
    const model = fixture('scaling-groups', 'started');
    const regions = new Set(model.instances.flatMap((i) => i.scalingGroups.filter((g) => g.name === 'region').map((g) => g.id)));
    const before = model.instances.filter((i) => i.node === 'web_vm').length;
    const build = buildWorkflow('scale', model, { scalable_entity_name: 'web_tier', delta: 1 }, { instanceIdSuffix: counterSuffix() });
    validateGraph(build.graph);
    const added = build.modification!.added;
    expect(added.filter((i) => i.node === 'web_vm')).toHaveLength(regions.size);
    // Each new web app connects to the database of its own region, and the balancer of its
    // region establishes toward it.
    for (const app of added.filter((i) => i.node === 'web_app')) {
      const region = app.scalingGroups.find((g) => g.name === 'region')!.id;
      const db = app.relationships.find((r) => r.targetNode === 'db')!;
      expect(model.instances.find((i) => i.id === db.targetId)!.scalingGroups.some((g) => g.id === region)).toBe(true);
    }
    expect(build.modification!.addedRelationships.every((r) => r.relationship.targetNode === 'web_app')).toBe(true);
    expect(applyModification(model, build.modification!).instances.filter((i) => i.node === 'web_vm')).toHaveLength(before + regions.size);
    expect(() => buildWorkflow('scale', model, { scalable_entity_name: 'web_tier', delta: 4 })).toThrow(/scale of web_tier by \+4 would give 6 instances in region_\w+; max_instances is 5/);
  });

  it('scales a group whose member lives in a node outside it per instance of that node', () => {
    const text = `
tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
plugins:
  recording: { executor: central_deployment_agent }
node_templates:
  vm:
    type: cloudify.nodes.Compute
    properties: { agent_config: { install_method: none } }
    capabilities: { scalable: { properties: { default_instances: 2 } } }
  app:
    type: cloudify.nodes.ApplicationServer
    interfaces:
      cloudify.interfaces.lifecycle: { create: recording.record, delete: recording.record }
    relationships: [{ type: cloudify.relationships.contained_in, target: vm }]
  lb:
    type: cloudify.nodes.LoadBalancer
    relationships:
      - type: cloudify.relationships.connected_to
        target: app
        source_interfaces:
          cloudify.interfaces.relationship_lifecycle: { establish: recording.record, unlink: recording.record }
groups:
  apps: { members: [app] }
policies:
  apps_scaling:
    type: cloudify.policies.scaling
    properties: { default_instances: 1, max_instances: 3 }
    targets: [apps]
`;
    const result = compile({ file: '/virtual/group-in-node/blueprint.yaml', text, resolver: fixtureResolver(), instanceIdSuffix: counterSuffix(), inputs: {} });
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const model = modelOf(result.plan!, 'started');
    const build = buildWorkflow('scale', model, { scalable_entity_name: 'apps', delta: 1 }, { instanceIdSuffix: () => 'zzzzz1' });
    const added = build.modification!.added;
    expect(added.map((i) => i.containerId).sort()).toEqual(model.instances.filter((i) => i.node === 'vm').map((i) => i.id).sort());
    const run = simulate(build.graph);
    expect(run.ops.filter((o) => o.endsWith('.create'))).toHaveLength(2);
    expect(run.ops.filter((o) => o.includes('establish'))).toHaveLength(2);
    const scaleIn = buildWorkflow('scale', model, { scalable_entity_name: 'apps', delta: -1 });
    expect(simulate(scaleIn.graph).ops.filter((o) => o.includes('unlink'))).toHaveLength(2);
  });
});
