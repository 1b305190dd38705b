import { describe, expect, it } from 'vitest';
import { buildTypeCatalog } from '../../../engine/dsl/catalog';
import { CORE_FILE, DEMO_PLUGIN, DEMO_PLUGIN_FILE, HEAD, MAIN, MINI_CORE, compileText, testResolver } from './dsl-test-kit';

const BLUEPRINT = `${HEAD}description: A small shop
inputs:
  size: { type: integer, default: 2 }
node_templates:
  web:
    type: cloudify.nodes.WebServer
    properties:
      port: 8080
    relationships:
      - { type: cloudify.relationships.contained_in, target: vm }
      - { type: cloudify.relationships.connected_to, target: db }
    interfaces:
      cloudify.interfaces.lifecycle:
        start: scripts/start.sh
  vm:
    type: cloudify.nodes.Compute
    capabilities:
      scalable:
        properties: { default_instances: { get_input: size } }
  db:
    type: cloudify.nodes.Compute
groups:
  g: { members: [db] }
policies:
  scale_db: { type: cloudify.policies.scaling, targets: [g] }
outputs:
  port: { value: { get_property: [web, port] }, description: Web port }
capabilities:
  endpoint: { value: { get_attribute: [vm, ip] } }
workflows:
  backup:
    mapping: demo.workflows.backup
    parameters:
      target: { default: s3 }
`;

describe('plan', () => {
  it('orders nodes so every relationship target comes first, declaration order otherwise', () => {
    const plan = compileText(BLUEPRINT).plan!;
    expect(plan.order).toEqual(['vm', 'db', 'web']);
  });

  it('fills the plan: inputs, nodes, groups, policies, workflows, outputs and capabilities', () => {
    const r = compileText(BLUEPRINT, { inputs: { size: 3 } });
    expect(r.problems).toEqual([]);
    const plan = r.plan!;
    expect(plan.description).toBe('A small shop');
    expect(plan.mainFile).toBe(MAIN);
    expect(plan.inputs.size).toMatchObject({ name: 'size', type: 'integer', default: 2, value: 3 });
    expect(plan.nodes.map((n) => n.name)).toEqual(['web', 'vm', 'db']);
    const web = plan.nodes[0]!;
    expect(web).toMatchObject({ containedIn: 'vm', host: 'vm', properties: { port: 8080 } });
    expect(web.relationships.map((r) => [r.kind, r.target, r.connectionType])).toEqual([
      ['contained_in', 'vm', 'all_to_all'],
      ['connected_to', 'db', 'all_to_all'],
    ]);
    expect(plan.nodes[1]!.capabilities.scalable).toEqual({ defaultInstances: 3, minInstances: 0, maxInstances: -1 });
    expect(plan.groups.g).toEqual({ name: 'g', members: ['db'], policies: {} });
    expect(plan.scalingGroups.g).toEqual({ name: 'g', members: ['db'], properties: { defaultInstances: 1, minInstances: 0, maxInstances: -1 } });
    expect(plan.policies).toEqual([{ name: 'scale_db', type: 'cloudify.policies.scaling', targets: ['g'], properties: { default_instances: 1, min_instances: 0, max_instances: -1 } }]);
    expect(plan.workflows.backup).toMatchObject({ mapping: 'demo.workflows.backup', plugin: 'demo', parameters: { target: { default: 's3' } } });
    expect(plan.outputs.port).toEqual({ value: 8080, description: 'Web port' });
    expect(plan.capabilities.endpoint).toEqual({ value: { get_attribute: ['vm', 'ip'] } });
    expect(plan.instances.filter((i) => i.node === 'web')).toHaveLength(3);
  });

  it('maps every element the designer marks to its source range', () => {
    const plan = compileText(BLUEPRINT).plan!;
    const at = (path: string): string => {
      const loc = plan.sources[path];
      return loc ? `${loc.range.line}:${loc.range.column}` : 'missing';
    };
    expect(at('node_templates.web')).toBe('8:3');
    expect(at('node_templates.web.properties.port')).toBe('11:7');
    expect(at('node_templates.web.relationships[1]')).toBe('14:9');
    expect(at('node_templates.web.interfaces.cloudify.interfaces.lifecycle.start')).toBe('17:9');
    expect(at('inputs.size')).toBe('6:3');
    expect(at('groups.g')).toBe('26:3');
    expect(at('policies.scale_db')).toBe('28:3');
    expect(at('outputs.port')).toBe('30:3');
    expect(at('capabilities.endpoint')).toBe('32:3');
    expect(at('workflows.backup')).toBe('34:3');
    // The range spans the whole element, key to end of value.
    const span = plan.sources['node_templates.web']!.range;
    expect(span.line).toBe(8);
    expect(span.endLine).toBeGreaterThanOrEqual(17);
    expect(span.endLine).toBeLessThanOrEqual(18);
    expect(plan.sources['node_templates.web']!.file).toBe(MAIN);
  });

  it('is plain JSON data', () => {
    const plan = compileText(BLUEPRINT).plan!;
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('returns problems without a plan when validating only', () => {
    const r = compileText(BLUEPRINT, { validateOnly: true });
    expect(r.problems).toEqual([]);
    expect(r.plan).toBeUndefined();
  });
});

describe('type catalog', () => {
  it('lists core, plugin and blueprint types with hierarchy, library, properties and interfaces', () => {
    const files: Record<string, string> = {
      [CORE_FILE]: MINI_CORE,
      [DEMO_PLUGIN_FILE]: DEMO_PLUGIN,
    };
    const catalog = buildTypeCatalog({
      file: MAIN,
      text: `${HEAD}  - plugin:demo\nnode_types:\n  my.App:\n    derived_from: demo.nodes.Thing\n    description: Mine\nrelationships:\n  my.runs_on:\n    derived_from: cloudify.relationships.contained_in\n`,
      resolver: testResolver(),
      readFile: (p) => files[p] ?? '',
    });
    expect(catalog.problems).toEqual([]);
    const byName = new Map(catalog.types.map((t) => [t.name, t]));
    expect(byName.get('cloudify.nodes.Compute')).toMatchObject({ kind: 'node', library: 'core', hierarchy: ['cloudify.nodes.Compute', 'cloudify.nodes.Root'] });
    expect(byName.get('demo.nodes.Thing')).toMatchObject({ library: 'demo', description: 'A demo thing' });
    const app = byName.get('my.App')!;
    expect(app).toMatchObject({ library: 'blueprint', description: 'Mine', hierarchy: ['my.App', 'demo.nodes.Thing', 'cloudify.nodes.Root'] });
    expect(app.properties.size).toMatchObject({ type: 'integer', default: 1 });
    expect(app.interfaces['cloudify.interfaces.lifecycle']).toEqual(['create', 'configure', 'start', 'stop', 'delete']);
    expect(byName.get('my.runs_on')).toMatchObject({ kind: 'relationship', relationshipKind: 'contained_in' });
    expect(byName.get('cloudify.relationships.connected_to')!.interfaces['cloudify.interfaces.relationship_lifecycle']).toEqual([
      'preconfigure',
      'postconfigure',
      'establish',
      'unlink',
    ]);
  });
});
