/**
 * The type library and the operation table agree: every implementation plugin.yaml names
 * has a handler, current and legacy type names are all there, and the public plugin's
 * import URLs resolve to this library.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openstackPlugin, openstackTypeLibrary } from '../../../plugins/openstack';
import { builtinPlugins } from '../../../plugins';

const doc = parse(readFileSync(openstackTypeLibrary.file, 'utf8')) as {
  node_types: Record<string, { interfaces?: Record<string, Record<string, { implementation: string }>> }>;
  relationships: Record<string, Record<string, Record<string, Record<string, { implementation: string }>>>>;
};

function implementations(): string[] {
  const out: string[] = [];
  for (const t of Object.values(doc.node_types)) for (const ops of Object.values(t.interfaces ?? {})) for (const op of Object.values(ops)) out.push(op.implementation);
  for (const r of Object.values(doc.relationships))
    for (const side of ['source_interfaces', 'target_interfaces'])
      for (const ops of Object.values(r[side] ?? {})) for (const op of Object.values(ops)) out.push(op.implementation);
  return out;
}

describe('OpenStack type library', () => {
  it('has a handler for every implementation it names', () => {
    const missing = implementations().filter((i) => !i.startsWith('openstack.') || !openstackPlugin.operations[i.slice('openstack.'.length)]);
    expect(missing).toEqual([]);
    expect(implementations().length).toBeGreaterThan(40);
  });

  it('declares the current and the legacy node types and relationships', () => {
    for (const t of ['Server', 'KeyPair', 'Network', 'Subnet', 'Port', 'Router', 'SecurityGroup', 'SecurityGroupRule', 'FloatingIP', 'Volume']) {
      expect(doc.node_types).toHaveProperty([`cloudify.nodes.openstack.${t}`]);
    }
    for (const t of ['Server', 'KeyPair', 'Network', 'Subnet', 'Port', 'Router', 'SecurityGroup', 'FloatingIP', 'Volume']) {
      expect(doc.node_types).toHaveProperty([`cloudify.openstack.nodes.${t}`]);
    }
    for (const r of ['server_connected_to_floating_ip', 'server_connected_to_security_group', 'server_connected_to_port', 'volume_attached_to_server', 'subnet_connected_to_router', 'port_connected_to_subnet']) {
      expect(doc.relationships).toHaveProperty([`cloudify.relationships.openstack.${r}`]);
      expect(doc.relationships).toHaveProperty([`cloudify.openstack.${r}`]);
    }
  });

  it('resolves the public plugin.yaml URLs and plugin: imports to this library', () => {
    const matches = (s: string) => openstackTypeLibrary.importPatterns.some((p) => p.test(s));
    expect(matches('http://www.getcloudify.org/spec/openstack-plugin/2.14.7/plugin.yaml')).toBe(true);
    expect(matches('https://raw.githubusercontent.com/cloudify-cosmo/cloudify-openstack-plugin/3.2.16/plugin.yaml')).toBe(true);
    expect(matches('https://github.com/cloudify-cosmo/cloudify-openstack-plugin/releases/download/3.3.0/plugin.yaml')).toBe(true);
    expect(matches('plugin:cloudify-openstack-plugin?version= >=3.2.2')).toBe(true);
    expect(matches('https://example.com/other-plugin/plugin.yaml')).toBe(false);
    expect(openstackTypeLibrary.pluginImportNames).toContain('cloudify-openstack-plugin');
  });

  it('is registered among the builtin plugins under its name and the package alias', () => {
    const p = builtinPlugins.find((x) => x.name === 'openstack');
    expect(p?.aliases).toContain('cloudify-openstack-plugin');
  });
});
