import { describe, expect, it } from 'vitest';
import { evaluateRuntimeValue, RuntimeFunctionError } from '../../../engine/dsl/functions';
import type { RuntimeFunctionContext, RuntimeInstanceRef } from '../../../engine/dsl/functions';
import type { Value } from '../../../engine/dsl/plan-model';
import { HEAD, compileText, located } from './dsl-test-kit';

const SETTINGS = `inputs:
  settings:
    default: { db: { name: pets } }
`;

const NODES = `node_types:
  my.T:
    derived_from: cloudify.nodes.Root
    properties:
      conf: { required: false }
      name: { required: false }
      list: { required: false }
node_templates:
  vm:
    type: cloudify.nodes.Compute
    properties:
      ip: 10.1.1.1
  db:
    type: my.T
    properties:
      conf: { port: 5432, hosts: [a, b, c] }
      name: { get_input: [settings, db, name] }
`;

describe('plan-time functions', () => {
  it('evaluates get_input with nested paths and get_property by node name, SELF, key and list index', () => {
    const r = compileText(`${HEAD}${SETTINGS}${NODES}  app:
    type: my.T
    properties:
      conf: { get_property: [db, conf, hosts, 1] }
      name: { get_property: [SELF, list, 0] }
      list: [{ get_property: [db, name] }, { get_property: [vm, ip] }]
`);
    expect(r.problems).toEqual([]);
    const app = r.plan!.nodes.find((n) => n.name === 'app')!;
    expect(app.properties).toEqual({ conf: 'b', name: 'pets', list: ['pets', '10.1.1.1'] });
  });

  it('reports unknown inputs, nodes, properties and paths at the function', () => {
    const r = compileText(`${HEAD}${SETTINGS}${NODES}  app:
    type: my.T
    properties:
      conf: { get_input: setings }
      name: { get_property: [dbb, conf] }
      list: [{ get_property: [db, color] }, { get_input: [settings, db, size] }]
`);
    expect(located(r.problems)).toEqual([
      'bad-function-reference@27:26 node_templates.app.properties.conf.get_input',
      'bad-function-reference@28:30 node_templates.app.properties.name.get_property[0]',
      'bad-function-reference@29:35 node_templates.app.properties.list[0].get_property[1]',
      'bad-function-reference@29:58 node_templates.app.properties.list[1].get_input',
    ]);
    expect(r.problems[0]!.message).toContain('did you mean "settings"');
  });

  it('reports a circular get_property', () => {
    const r = compileText(`${HEAD}${SETTINGS}${NODES}  app:
    type: my.T
    properties:
      conf: { get_property: [SELF, name] }
      name: { get_property: [SELF, conf] }
`);
    expect(r.problems.map((p) => p.code)).toEqual(['bad-function']);
    expect(r.problems[0]!.message).toContain('Circular');
  });

  it('evaluates SOURCE and TARGET in relationship operations and rejects them elsewhere', () => {
    const r = compileText(`${HEAD}${SETTINGS}${NODES}  app:
    type: my.T
    properties:
      name: app1
    relationships:
      - type: cloudify.relationships.connected_to
        target: db
        source_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            preconfigure:
              implementation: scripts/pre.sh
              inputs:
                port: { get_property: [TARGET, conf, port] }
                me: { get_property: [SOURCE, name] }
                ip: { get_attribute: [TARGET, ip] }
outputs:
  bad: { value: { get_property: [SELF, name] } }
  bad2: { value: { get_attribute: [SOURCE, ip] } }
`);
    expect(located(r.problems)).toEqual([
      'function-context@40:34 outputs.bad.value.get_property[0]',
      'function-context@41:36 outputs.bad2.value.get_attribute[0]',
    ]);
    const ok = compileText(`${HEAD}${SETTINGS}${NODES}  app:
    type: my.T
    relationships:
      - type: cloudify.relationships.connected_to
        target: db
        source_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            preconfigure:
              implementation: scripts/pre.sh
              inputs:
                port: { get_property: [TARGET, conf, port] }
                ip: { get_attribute: [TARGET, ip] }
`);
    expect(ok.problems).toEqual([]);
    const op = ok.plan!.nodes.find((n) => n.name === 'app')!.relationships[0]!.sourceOperations['cloudify.interfaces.relationship_lifecycle.preconfigure']!;
    expect(op.inputs).toEqual({ port: 5432, ip: { get_attribute: ['TARGET', 'ip'] } });
  });

  it('computes concat, merge and the string functions over plan-time values', () => {
    const r = compileText(`${HEAD}inputs:
  host: { default: Example.ORG }
outputs:
  url: { value: { concat: ['http://', { get_input: host }, ':', 80, '/', true] } }
  merged: { value: { merge: [{ a: 1, b: 1 }, { b: 2 }] } }
  find: { value: { string_find: [abcabc, ca] } }
  replace: { value: { string_replace: [a-b-c, '-', '+'] } }
  replace1: { value: { string_replace: [a-b-c, '-', '+', 1] } }
  split: { value: { string_split: [a/b/c, '/'] } }
  split1: { value: { string_split: [a/b/c, '/', 2] } }
  lower: { value: { string_lower: { get_input: host } } }
  upper: { value: { string_upper: [abc] } }
`);
    expect(r.problems).toEqual([]);
    const values = Object.fromEntries(Object.entries(r.plan!.outputs).map(([k, v]) => [k, v.value]));
    expect(values).toEqual({
      url: 'http://Example.ORG:80/True',
      merged: { a: 1, b: 2 },
      find: 2,
      replace: 'a+b+c',
      replace1: 'a+b-c',
      split: ['a', 'b', 'c'],
      split1: 'c',
      lower: 'example.org',
      upper: 'ABC',
    });
  });

  it('keeps run-time functions as expressions with their plan-time arguments evaluated', () => {
    const r = compileText(`${HEAD}${SETTINGS}  dep: { default: database }
${NODES}outputs:
  endpoint: { value: { concat: ['http://', { get_attribute: [vm, ip] }, ':', { get_property: [db, conf, port] }] } }
  all: { value: { get_attributes_list: [vm, ip] } }
  byId: { value: { get_attributes_dict: [vm, ip] } }
  secret: { value: { get_secret: [creds, password] } }
  cap: { value: { get_capability: [{ get_input: dep }, address] } }
`);
    expect(r.problems).toEqual([]);
    const o = r.plan!.outputs;
    expect(o.endpoint!.value).toEqual({ concat: ['http://', { get_attribute: ['vm', 'ip'] }, ':', 5432] });
    expect(o.all!.value).toEqual({ get_attributes_list: ['vm', 'ip'] });
    expect(o.byId!.value).toEqual({ get_attributes_dict: ['vm', 'ip'] });
    expect(o.secret!.value).toEqual({ get_secret: ['creds', 'password'] });
    expect(o.cap!.value).toEqual({ get_capability: ['database', 'address'] });
  });

  it('checks run-time function shapes and node references statically', () => {
    const r = compileText(`${HEAD}${SETTINGS}${NODES}outputs:
  a: { value: { get_attribute: [vmm, ip] } }
  b: { value: { get_attributes_list: [SELF, ip] } }
  c: { value: { get_capability: [only_one] } }
  d: { value: { string_split: [a] } }
`);
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      'bad-function-reference outputs.a.value.get_attribute[0]',
      'bad-function outputs.b.value.get_attributes_list[0]',
      'bad-function outputs.c.value.get_capability',
      'bad-function outputs.d.value.string_split',
    ]);
  });
});

describe('run-time evaluation', () => {
  const inst = (id: string, node: string, extra: Partial<RuntimeInstanceRef> = {}): RuntimeInstanceRef => ({
    id,
    node,
    runtimeProperties: {},
    ...extra,
  });
  const vm1 = inst('vm_1', 'vm', { hostId: 'vm_1', runtimeProperties: { ip: '10.0.0.1' } });
  const vm2 = inst('vm_2', 'vm', { hostId: 'vm_2', runtimeProperties: { ip: '10.0.0.2' } });
  const app1 = inst('app_1', 'app', { hostId: 'vm_1', runtimeProperties: { port: 81 } });
  const db1 = inst('db_1', 'db', { runtimeProperties: { cfg: { hosts: ['x', 'y'] } } });
  const ctx = (extra: Partial<RuntimeFunctionContext> = {}): RuntimeFunctionContext => ({
    nodeProperties: (node): Record<string, Value> => (node === 'app' ? { port: 80, name: 'web' } : {}),
    instancesOf: (node) => [vm1, vm2, app1, db1].filter((i) => i.node === node),
    getSecret: (name) => (name === 'creds' ? { user: 'u', password: 'p' } : null),
    getCapability: async (dep, name) => Promise.resolve(`${dep}:${name}` as Value),
    ...extra,
  });

  it('reads runtime properties first, then node properties', async () => {
    const c = ctx({ self: app1 });
    expect(await evaluateRuntimeValue({ get_attribute: ['SELF', 'port'] }, c)).toBe(81);
    expect(await evaluateRuntimeValue({ get_attribute: ['SELF', 'name'] }, c)).toBe('web');
    expect(await evaluateRuntimeValue({ get_attribute: ['SELF', 'missing'] }, c)).toBeNull();
  });

  it('picks the instance on the same host for a node with several instances', async () => {
    expect(await evaluateRuntimeValue({ get_attribute: ['vm', 'ip'] }, ctx({ self: app1 }))).toBe('10.0.0.1');
    await expect(evaluateRuntimeValue({ get_attribute: ['vm', 'ip'] }, ctx({ self: db1 }))).rejects.toThrow(RuntimeFunctionError);
    await expect(evaluateRuntimeValue({ get_attribute: ['vm', 'ip'] }, ctx({ self: db1 }))).rejects.toThrow(/2 instances/);
  });

  it('picks the related instance when hosts do not decide', async () => {
    const src = inst('x_1', 'x', { relationships: [{ targetId: 'vm_2' }] });
    expect(await evaluateRuntimeValue({ get_attribute: ['vm', 'ip'] }, ctx({ self: src }))).toBe('10.0.0.2');
  });

  it('evaluates lists, dicts, secrets, capabilities and combining functions', async () => {
    const c = ctx({ self: app1, source: app1, target: db1 });
    expect(await evaluateRuntimeValue({ get_attributes_list: ['vm', 'ip'] }, c)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(await evaluateRuntimeValue({ get_attributes_dict: ['vm', 'ip'] }, c)).toEqual({ vm_1: '10.0.0.1', vm_2: '10.0.0.2' });
    expect(await evaluateRuntimeValue({ get_attribute: ['TARGET', 'cfg', 'hosts', 1] }, c)).toBe('y');
    expect(await evaluateRuntimeValue({ get_secret: ['creds', 'password'] }, c)).toBe('p');
    expect(await evaluateRuntimeValue({ get_capability: ['dbdep', 'url'] }, c)).toBe('dbdep:url');
    expect(
      await evaluateRuntimeValue({ x: [{ concat: ['http://', { get_attribute: ['vm', 'ip'] }, ':', { get_attribute: ['SELF', 'port'] }] }] }, c),
    ).toEqual({ x: ['http://10.0.0.1:81'] });
    expect(await evaluateRuntimeValue({ string_upper: { get_attribute: ['SELF', 'name'] } }, c)).toBe('WEB');
  });

  it('fails clearly for SOURCE outside a relationship', async () => {
    await expect(evaluateRuntimeValue({ get_attribute: ['SOURCE', 'ip'] }, ctx({ self: app1 }))).rejects.toThrow(/SOURCE/);
  });
});
