import { describe, expect, it } from 'vitest';
import { HEAD, compileText, errorsOf, located } from './dsl-test-kit';

const VM = `  vm:\n    type: cloudify.nodes.Compute\n`;

describe('templates phase: sections and fields', () => {
  it('reports an unknown section with a suggestion and warns about accepted-but-ignored ones', () => {
    const r = compileText(`${HEAD}node_template:\n  a: {}\nblueprint_labels:\n  env: { values: [dev] }\n`);
    expect(located(r.problems)).toEqual(['unknown-section@4:1 node_template', 'ignored-section@6:1 blueprint_labels']);
    expect(r.problems[0]!.message).toContain('did you mean "node_templates"');
    expect(r.problems[1]!.severity).toBe('warning');
  });

  it('reports an unknown node template field with a suggestion', () => {
    const r = compileText(`${HEAD}node_templates:\n  vm:\n    type: cloudify.nodes.Compute\n    propertis: {}\n`);
    expect(located(r.problems)).toEqual(['unknown-field@7:5 node_templates.vm.propertis']);
    expect(r.problems[0]!.message).toContain('did you mean "properties"');
  });

  it('requires a supported DSL version', () => {
    expect(located(compileText('node_templates: {}\n').problems)).toEqual(['missing-dsl-version@1:1 ']);
    const r = compileText('tosca_definitions_version: cloudify_dsl_9_9\n');
    expect(located(r.problems)).toEqual(['unsupported-dsl-version@1:28 tosca_definitions_version']);
    for (const v of ['cloudify_dsl_1_3', 'cloudify_dsl_1_4', 'cloudify_dsl_1_5']) {
      const ok = compileText(`tosca_definitions_version: ${v}\n`);
      expect(ok.problems).toEqual([]);
      expect(ok.plan!.dslVersion).toBe(v);
    }
  });

  it('reports an unknown node type with a suggestion', () => {
    const r = compileText(`${HEAD}node_templates:\n  vm:\n    type: cloudify.nodes.Compte\n`);
    expect(located(r.problems)).toEqual(['unknown-type@6:11 node_templates.vm.type']);
    expect(r.problems[0]!.message).toContain('cloudify.nodes.Compute');
  });

  it('reports missing required properties and inputs', () => {
    const r = compileText(`${HEAD}inputs:\n  region: {}\nnode_types:\n  my.T:\n    derived_from: cloudify.nodes.Root\n    properties:\n      name: { type: string }\nnode_templates:\n  t:\n    type: my.T\n`);
    expect(located(r.problems)).toEqual(['missing-input@5:3 inputs.region', 'missing-required-property@12:3 node_templates.t.properties']);
  });

  it('only warns about missing inputs when validating without planning', () => {
    const r = compileText(`${HEAD}inputs:\n  region: {}\n`, { validateOnly: true });
    expect(r.problems.map((p) => `${p.code}:${p.severity}`)).toEqual(['missing-input:warning']);
    expect(r.plan).toBeUndefined();
  });

  it('reports an input value given for an undeclared input', () => {
    const r = compileText(`${HEAD}inputs:\n  region: { default: x }\n`, { inputs: { regoin: 'y' } });
    expect(r.problems.map((p) => p.code)).toEqual(['unknown-input']);
    expect(r.problems[0]!.message).toContain('did you mean "region"');
  });
});

describe('templates phase: structure', () => {
  it('reports a relationship to a missing node at its target', () => {
    const r = compileText(`${HEAD}node_templates:\n${VM}  app:\n    type: cloudify.nodes.SoftwareComponent\n    relationships:\n      - type: cloudify.relationships.contained_in\n        target: vn\n`);
    expect(located(r.problems)).toEqual(['missing-node@11:17 node_templates.app.relationships[0].target']);
    expect(r.problems[0]!.message).toContain('did you mean "vm"');
  });

  it('reports an unknown relationship type', () => {
    const r = compileText(`${HEAD}node_templates:\n${VM}  app:\n    type: cloudify.nodes.Root\n    relationships:\n      - { type: cloudify.relationships.hosted_on, target: vm }\n`);
    expect(located(r.problems)).toEqual(['unknown-relationship-type@10:17 node_templates.app.relationships[0].type']);
  });

  it('reports a node contained in two hosts', () => {
    const r = compileText(`${HEAD}node_templates:\n${VM}  vm2:\n    type: cloudify.nodes.Compute\n  app:\n    type: cloudify.nodes.Root\n    relationships:\n      - { type: cloudify.relationships.contained_in, target: vm }\n      - { type: cloudify.relationships.contained_in, target: vm2 }\n`);
    expect(located(r.problems)).toEqual(['multiple-hosts@13:9 node_templates.app.relationships[1]']);
  });

  it('reports a contained_in cycle once, not also as a dependency cycle', () => {
    const r = compileText(`${HEAD}node_templates:
  a:
    type: cloudify.nodes.Root
    relationships:
      - { type: cloudify.relationships.contained_in, target: b }
  b:
    type: cloudify.nodes.Root
    relationships:
      - { type: cloudify.relationships.contained_in, target: a }
`);
    expect(r.problems.map((p) => p.code)).toEqual(['containment-cycle']);
    expect(r.problems[0]!.message).toMatch(/a -> b -> a/);
  });

  it('reports a dependency cycle through connected_to and depends_on', () => {
    const r = compileText(`${HEAD}node_templates:
  a:
    type: cloudify.nodes.Root
    relationships:
      - { type: cloudify.relationships.connected_to, target: b }
  b:
    type: cloudify.nodes.Root
    relationships:
      - { type: cloudify.relationships.depends_on, target: a }
`);
    expect(located(r.problems)).toEqual(['dependency-cycle@12:9 node_templates.b.relationships[0]']);
  });

  it('reports all_to_one between nodes of the same scaling group', () => {
    const r = compileText(`${HEAD}node_templates:
  a:
    type: cloudify.nodes.Root
    relationships:
      - type: cloudify.relationships.connected_to
        target: b
        properties: { connection_type: all_to_one }
  b:
    type: cloudify.nodes.Root
groups:
  g: { members: [a, b] }
policies:
  p: { type: cloudify.policies.scaling, targets: [g] }
`);
    expect(located(r.problems)).toEqual(['all-to-one-in-scaling-group@10:40 node_templates.a.relationships[0].properties.connection_type']);
  });

  it('reports scaling policies that target no group and bounds that contradict', () => {
    const r = compileText(`${HEAD}node_templates:
  a:
    type: cloudify.nodes.Root
    capabilities:
      scalable:
        properties: { default_instances: 5, max_instances: 2 }
groups:
  g: { members: [a, ghost] }
policies:
  p: { type: cloudify.policies.scaling, targets: [a] }
`);
    expect(located(errorsOf(r))).toEqual([
      'bad-scaling-bounds@9:42 node_templates.a.capabilities.scalable.properties.default_instances',
      'missing-node@11:21 groups.g.members[1]',
      'bad-scaling-group@13:51 policies.p.targets[0]',
    ]);
  });

  it('reports an implementation that names no known plugin and is not a script', () => {
    const r = compileText(`${HEAD}node_templates:
  a:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: nova.server.create
        start:
          implementation: demo.things.start
`);
    // `demo` is a plugin Trellis knows (from the resolver) even without a plugins: entry.
    expect(located(r.problems)).toEqual(['unknown-plugin@9:17 node_templates.a.interfaces.cloudify.interfaces.lifecycle.create']);
    expect(r.problems[0]!.message).toContain('nova');
    expect(r.problems[0]!.message).toContain('demo');
    const long = compileText(`${HEAD}node_templates:\n  a:\n    type: cloudify.nodes.Root\n    interfaces:\n      cloudify.interfaces.lifecycle:\n        start:\n          implementation: nope.start\n`);
    expect(located(long.problems)).toEqual(['unknown-plugin@10:27 node_templates.a.interfaces.cloudify.interfaces.lifecycle.start.implementation']);
  });
});

describe('templates phase: operation binding', () => {
  it('binds plugin operations and scripts, with executors by plugin and host', () => {
    const r = compileText(`${HEAD}  - plugin:demo
plugins:
  agentish: { executor: host_agent }
node_templates:
${VM}  app:
    type: cloudify.nodes.Root
    relationships:
      - { type: cloudify.relationships.contained_in, target: vm }
    interfaces:
      cloudify.interfaces.lifecycle:
        create: demo.things.create
        configure: scripts/configure.sh
        start: agentish.tasks.start
        stop: { implementation: scripts/stop.sh, executor: central_deployment_agent, max_retries: -1, retry_interval: 5, timeout: 60 }
  lone:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: scripts/create.sh
`);
    expect(r.problems).toEqual([]);
    const [, app, lone] = r.plan!.nodes;
    const ops = app!.operations;
    expect(ops['cloudify.interfaces.lifecycle.create']).toMatchObject({ kind: 'plugin', plugin: 'demo', operation: 'things.create', executor: 'central_deployment_agent' });
    expect(ops['cloudify.interfaces.lifecycle.configure']).toMatchObject({ kind: 'script', scriptPath: '/bp/scripts/configure.sh', executor: 'host_agent' });
    expect(ops['cloudify.interfaces.lifecycle.start']).toMatchObject({ kind: 'plugin', plugin: 'agentish', executor: 'host_agent' });
    expect(ops['cloudify.interfaces.lifecycle.stop']).toMatchObject({ executor: 'central_deployment_agent', maxRetries: -1, retryInterval: 5, timeout: 60 });
    expect(app!.plugins).toEqual(['agentish', 'demo', 'script']);
    expect(app!.host).toBe('vm');
    // No host: scripts run centrally.
    expect(lone!.operations['cloudify.interfaces.lifecycle.create']).toMatchObject({ kind: 'script', executor: 'central_deployment_agent' });
  });
});
