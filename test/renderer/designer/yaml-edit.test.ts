import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { applyEdits, EditError } from '../../../renderer/designer/yaml-edit/apply-edits';
import type { EditOp } from '../../../renderer/designer/yaml-edit/edit-ops';
import { applyTextEdits } from '../../../renderer/designer/yaml-edit/text-splice';

const goldenDir = join(import.meta.dirname, 'golden');
const base = readFileSync(join(goldenDir, 'base.yaml'), 'utf8');

/** Every edit kind, each applied to base.yaml and compared with golden/<name>.after.yaml. */
const cases: Record<string, EditOp[]> = {
  'add-node': [{ kind: 'addNode', name: 'cache', type: 'cloudify.nodes.Root', properties: { size: 64, mode: 'lru' } }],
  'add-node-into-host': [
    { kind: 'addNode', name: 'worker', type: 'cloudify.nodes.ApplicationModule', host: { name: 'vm', relationshipType: 'cloudify.relationships.contained_in' } },
  ],
  'remove-node': [{ kind: 'removeNode', name: 'vm' }],
  'rename-node': [{ kind: 'renameNode', from: 'vm', to: 'server' }],
  'set-node-type': [{ kind: 'setNodeType', name: 'db', type: 'cloudify.nodes.Database' }],
  'set-property-plain': [{ kind: 'setProperty', node: 'app', property: 'port', value: { mode: 'plain', value: 9090 } }],
  'set-property-new': [{ kind: 'setProperty', node: 'db', property: 'name', value: { mode: 'plain', value: 'orders' } }],
  'set-property-nested': [{ kind: 'setProperty', node: 'app', property: 'tls.enabled', value: { mode: 'plain', value: true } }],
  'set-property-input': [{ kind: 'setProperty', node: 'vm', property: 'ip', value: { mode: 'input', input: 'vm_ip' } }],
  'set-property-secret': [{ kind: 'setProperty', node: 'db', property: 'password', value: { mode: 'secret', secret: 'db_password' } }],
  'set-property-property': [{ kind: 'setProperty', node: 'db', property: 'port', value: { mode: 'property', node: 'app', path: ['port'] } }],
  'set-property-attribute': [{ kind: 'setProperty', node: 'db', property: 'host', value: { mode: 'attribute', node: 'vm', path: ['public_ip'] } }],
  'set-property-capability': [
    { kind: 'setProperty', node: 'app', property: 'broker', value: { mode: 'capability', deployment: 'mq', capability: 'endpoint' } },
  ],
  'set-property-raw': [{ kind: 'setProperty', node: 'app', property: 'env', value: { mode: 'raw', yaml: 'LOG: debug\nWORKERS: 4\n' } }],
  'remove-property': [{ kind: 'removeProperty', node: 'app', property: 'port' }],
  'add-relationship': [{ kind: 'addRelationship', source: 'db', type: 'cloudify.relationships.depends_on', target: 'vm' }],
  'remove-relationship': [{ kind: 'removeRelationship', source: 'app', index: 1 }],
  'set-relationship': [{ kind: 'setRelationship', source: 'app', index: 1, type: 'cloudify.relationships.depends_on' }],
  'set-interface-operation': [
    { kind: 'setInterfaceOperation', node: 'app', interface: 'cloudify.interfaces.lifecycle', operation: 'start', implementation: 'scripts/start.sh' },
  ],
  'set-interface-operation-inputs': [
    {
      kind: 'setInterfaceOperation',
      node: 'db',
      interface: 'cloudify.interfaces.lifecycle',
      operation: 'configure',
      implementation: 'scripts/configure.sh',
      inputs: { port: 5432 },
    },
  ],
  'remove-interface-operation': [{ kind: 'removeInterfaceOperation', node: 'app', interface: 'cloudify.interfaces.lifecycle', operation: 'create' }],
  'move-into-host': [{ kind: 'moveIntoHost', node: 'db', host: 'vm' }],
  'move-to-other-host': [{ kind: 'moveIntoHost', node: 'app', host: 'db' }],
  'move-out-of-host': [{ kind: 'moveIntoHost', node: 'app', host: null }],
  'set-instances': [{ kind: 'setInstances', node: 'app', count: 3 }],
};

interface Blueprint {
  node_templates: Record<string, { relationships?: { type: string; target: string }[]; properties?: Record<string, unknown> }>;
  groups: Record<string, { members: string[] }>;
  outputs: Record<string, { value: unknown }>;
}
const toJs = (text: string): Blueprint => parseDocument(text).toJS() as Blueprint;

/** Comment texts of a YAML text (the part after `#`, outside quoted strings in our fixtures). */
function comments(text: string): string[] {
  return [...text.matchAll(/#\s*(.*)$/gm)].map((m) => m[1]!.trim());
}

describe('graph edits as minimal YAML edits', () => {
  for (const [name, ops] of Object.entries(cases)) {
    it(`${name}: matches the golden text, keeps comments and stays valid YAML`, () => {
      const result = applyEdits(base, ops);
      const goldenFile = join(goldenDir, `${name}.after.yaml`);
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(goldenFile)) writeFileSync(goldenFile, result.text);
      expect(result.text).toBe(readFileSync(goldenFile, 'utf8'));
      expect(applyTextEdits(base, result.edits)).toBe(result.text);
      expect(parseDocument(result.text).errors).toEqual([]);
      // Removing `vm` removes the comment inside it; every other comment survives.
      const kept = comments(result.text);
      for (const c of comments(base)) if (!(name === 'remove-node' && c === 'shared')) expect(kept).toContain(c);
      expect(result.text).toContain('&agent');
    });
  }

  it('changes only the characters of the edited value', () => {
    const { edits } = applyEdits(base, cases['set-property-plain']!);
    expect(edits).toEqual([{ start: base.indexOf('8080'), end: base.indexOf('8080') + 3, insert: '909' }]);
  });

  it('renaming a node updates relationship targets, group members, and get_property/get_attribute references', () => {
    const { text } = applyEdits(base, [{ kind: 'renameNode', from: 'vm', to: 'server' }]);
    const js = toJs(text);
    expect(Object.keys(js.node_templates)).toEqual(['server', 'app', 'db']);
    expect(js.node_templates.app!.relationships![0]!.target).toBe('server');
    expect(js.node_templates.db!.properties!.host).toEqual({ get_attribute: ['server', 'ip'] });
    expect(js.groups.web!.members).toEqual(['server', 'app']);
    const renamedApp = applyEdits(base, [{ kind: 'renameNode', from: 'app', to: 'web' }]).text;
    expect(toJs(renamedApp).outputs.endpoint!.value).toEqual({ get_property: ['web', 'port'] });
  });

  it('removing a node drops the relationships and group memberships that point at it', () => {
    const js = toJs(applyEdits(base, [{ kind: 'removeNode', name: 'db' }]).text);
    expect(js.node_templates.app!.relationships).toEqual([{ type: 'cloudify.relationships.contained_in', target: 'vm' }]);
  });

  it('refuses edits on invalid YAML, unknown nodes and taken names', () => {
    expect(() => applyEdits('a: [1,', [{ kind: 'removeNode', name: 'x' }])).toThrow(EditError);
    expect(() => applyEdits(base, [{ kind: 'removeNode', name: 'nope' }])).toThrow(/no node template "nope"/);
    expect(() => applyEdits(base, [{ kind: 'renameNode', from: 'vm', to: 'db' }])).toThrow(/already exists/);
    expect(() => applyEdits(base, [{ kind: 'setProperty', node: 'vm', property: 'x', value: { mode: 'raw', yaml: '[1,' } }])).toThrow(/Not valid YAML/);
  });

  it('creates node_templates in an empty document and keeps the user indentation style', () => {
    const empty = 'tosca_definitions_version: cloudify_dsl_1_5\n';
    const { text } = applyEdits(empty, [{ kind: 'addNode', name: 'vm', type: 'cloudify.nodes.Compute' }]);
    expect(text).toBe('tosca_definitions_version: cloudify_dsl_1_5\nnode_templates:\n  vm:\n    type: cloudify.nodes.Compute\n');
    const emptyFlow = 'node_templates: {}\n';
    expect(applyEdits(emptyFlow, [{ kind: 'addNode', name: 'vm', type: 'T', host: undefined }]).text).toBe('node_templates:\n  vm:\n    type: T\n');
    const flush = 'node_templates:\n  a:\n    type: t\n    relationships:\n    - type: r\n      target: b\n  b:\n    type: t\n';
    const out = applyEdits(flush, [{ kind: 'addRelationship', source: 'b', type: 'r', target: 'a' }]).text;
    expect(out).toBe(flush + '    relationships:\n    - type: r\n      target: a\n');
    const four = 'node_templates:\n    a:\n        type: t\n';
    expect(applyEdits(four, [{ kind: 'setProperty', node: 'a', property: 'p', value: { mode: 'plain', value: 1 } }]).text).toBe(
      four + '        properties:\n            p: 1\n',
    );
  });
});
