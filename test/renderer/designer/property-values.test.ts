import { describe, expect, it } from 'vitest';
import { checkConstraints, modeOf, parsePlain } from '../../../renderer/designer/property-values';
import { baseNameFor, requiredDefaults, uniqueName } from '../../../renderer/designer/edit-actions';
import type { TypeInfo } from '../../../engine/host/contract';

describe('inspector values', () => {
  it('recognises each value mode from the intrinsic function it writes', () => {
    expect(modeOf(8080)).toEqual({ mode: 'plain', value: 8080 });
    expect(modeOf({ get_input: 'port' })).toEqual({ mode: 'input', input: 'port' });
    expect(modeOf({ get_secret: 'pw' })).toEqual({ mode: 'secret', secret: 'pw' });
    expect(modeOf({ get_property: ['vm', 'ip'] })).toEqual({ mode: 'property', node: 'vm', path: ['ip'] });
    expect(modeOf({ get_attribute: ['SELF', 'a', 'b'] })).toEqual({ mode: 'attribute', node: 'SELF', path: ['a', 'b'] });
    expect(modeOf({ get_capability: ['db', 'endpoint'] })).toEqual({ mode: 'capability', deployment: 'db', capability: 'endpoint', path: [] });
    expect(modeOf({ a: 1, b: 2 }).mode).toBe('raw');
  });

  it('parses typed input by property type and checks constraints as the user types', () => {
    expect(parsePlain('42', { type: 'integer', required: true })).toEqual({ value: 42 });
    expect(parsePlain('4.2', { type: 'integer', required: true })).toEqual({ error: 'Expected a whole number.' });
    expect(parsePlain('x', { type: 'float', required: true })).toEqual({ error: 'Expected a number.' });
    expect(parsePlain('true', { type: 'boolean', required: true })).toEqual({ value: true });
    const port = { type: 'integer', required: true, constraints: [{ operator: 'in_range' as const, value: [1, 65535] }] };
    expect(checkConstraints(70000, port)).toBe('Must be between 1 and 65535.');
    expect(checkConstraints(8080, port)).toBeNull();
    expect(checkConstraints('windows', { required: true, constraints: [{ operator: 'valid_values', value: ['linux'] }] })).toBe('Must be one of "linux".');
    expect(checkConstraints('ab', { required: true, constraints: [{ operator: 'min_length', value: 3 }] })).toBe('At least 3 long.');
    expect(checkConstraints('abc', { required: true, constraints: [{ operator: 'pattern', value: '[a-z]+' }] })).toBeNull();
    expect(checkConstraints('ab1', { required: true, constraints: [{ operator: 'pattern', value: '[a-z]+' }] })).toBe('Must match [a-z]+.');
  });
});

describe('new templates from the palette', () => {
  it('get a unique snake_case name from their type', () => {
    expect(baseNameFor('cloudify.nodes.WebServer')).toBe('web_server');
    expect(baseNameFor('cloudify.nodes.openstack.FloatingIP')).toBe('floating_ip');
    expect(uniqueName('vm', new Set(['vm', 'vm_2']))).toBe('vm_3');
    expect(uniqueName('db', new Set(['vm']))).toBe('db');
  });

  it('fill required properties that have a meaningful default, leave the rest to be flagged', () => {
    const info: TypeInfo = {
      name: 'T',
      kind: 'node',
      hierarchy: ['T'],
      library: 'core',
      interfaces: {},
      properties: {
        port: { type: 'integer', required: true, default: 80 },
        os_family: { type: 'string', required: true, default: 'linux' },
        ip: { type: 'string', required: true, default: '' },
        agent_config: { required: true, default: {} },
        install_agent: { required: true, default: false, description: 'Deprecated: use agent_config.' },
        flavor: { type: 'string', required: true },
        optional: { type: 'string', required: false, default: 'x' },
      },
    };
    expect(requiredDefaults(info)).toEqual({ port: 80, os_family: 'linux' });
  });
});
