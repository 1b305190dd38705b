/**
 * The OpenStack plugin (`openstack`, alias `cloudify-openstack-plugin`): servers, key
 * pairs, networks, subnets, ports, routers, security groups and rules, floating IPs and
 * volumes, with the relationship operations users of the public plugin expect. All cloud
 * calls go through the port in ./port (pkgcloud 2.2.0 plus the plugin's own requests).
 */
import { fileURLToPath } from 'node:url';
import { definePlugin, type OperationHandler, type PluginDefinition, type TypeLibrary } from '../sdk';
import { computeOperations } from './operations/compute';
import { neutronOperations } from './operations/neutron-resources';
import { relationshipOperations } from './operations/relationships';
import { volumeOperations } from './operations/volume';

export { OpenStackPort } from './port/port';
export { resolveCloudConfig, describeCloud, type CloudConfig } from './port/credentials';
export { OpenStackApiError, FailureKind } from './port/errors';

/** The type library and the import strings real blueprints use for the OpenStack plugin. */
export const openstackTypeLibrary: TypeLibrary = {
  file: fileURLToPath(new URL('./plugin.yaml', import.meta.url)),
  pluginImportNames: ['cloudify-openstack-plugin', 'openstack'],
  importStrings: [],
  importPatterns: [
    // http://www.getcloudify.org/spec/openstack-plugin/2.14.7/plugin.yaml, cloudify.co/spec/...
    /^https?:\/\/(www\.)?(getcloudify\.org|cloudify\.co)\/spec\/openstack-plugin\/[^/]+\/plugin\.yaml$/i,
    // raw.githubusercontent.com/cloudify-cosmo/cloudify-openstack-plugin/<ref>/plugin.yaml (also v2_plugin.yaml, plugin_1_4.yaml)
    /^https?:\/\/raw\.githubusercontent\.com\/cloudify-cosmo\/cloudify-openstack-plugin\/[^/]+\/(v2_)?plugin(_1_\d+)?\.yaml$/i,
    // github.com/cloudify-cosmo/cloudify-openstack-plugin/releases/download/3.2.21/plugin.yaml
    /^https?:\/\/github\.com\/cloudify-cosmo\/cloudify-openstack-plugin\/releases\/download\/[^/]+\/(v2_)?plugin(_1_\d+)?\.yaml$/i,
    /^plugin:(cloudify-openstack-plugin|openstack)(\?.*)?$/i,
  ],
};

const all: Record<string, OperationHandler> = { ...computeOperations, ...neutronOperations, ...volumeOperations, ...relationshipOperations };
const op = (key: string): OperationHandler => {
  const h = all[key];
  if (!h) throw new Error(`openstack plugin: no handler ${key}`);
  return h;
};
/** Runs handlers one after the other (legacy creates that also configured). */
const chain = (...keys: string[]): OperationHandler => async (ctx) => {
  for (const k of keys) await op(k)(ctx);
};

const R = 'openstack_plugin.resources';

/** Implementation name (without the `openstack.` prefix) -> handler, current and legacy names. */
export const openstackOperations: Record<string, OperationHandler> = {
  [`${R}.compute.server.create`]: op('server.create'),
  [`${R}.compute.server.start`]: op('server.start'),
  [`${R}.compute.server.stop`]: op('server.stop'),
  [`${R}.compute.server.delete`]: op('server.delete'),
  [`${R}.compute.server.connect_floating_ip`]: op('server.connect_floating_ip'),
  [`${R}.compute.server.disconnect_floating_ip`]: op('server.disconnect_floating_ip'),
  [`${R}.compute.server.connect_security_group`]: op('server.connect_security_group'),
  [`${R}.compute.server.disconnect_security_group`]: op('server.disconnect_security_group'),
  [`${R}.compute.server.connect_port`]: op('server.connect_port'),
  [`${R}.compute.server.disconnect_port`]: op('server.disconnect_port'),
  [`${R}.compute.server.attach_volume`]: op('server.attach_volume'),
  [`${R}.compute.server.detach_volume`]: op('server.detach_volume'),
  [`${R}.compute.keypair.create`]: op('keypair.create'),
  [`${R}.compute.keypair.delete`]: op('keypair.delete'),
  [`${R}.network.network.create`]: op('network.create'),
  [`${R}.network.network.delete`]: op('network.delete'),
  [`${R}.network.subnet.create`]: op('subnet.create'),
  [`${R}.network.subnet.delete`]: op('subnet.delete'),
  [`${R}.network.port.create`]: op('port.create'),
  [`${R}.network.port.delete`]: op('port.delete'),
  [`${R}.network.port.connect_security_group`]: op('port.connect_security_group'),
  [`${R}.network.port.disconnect_security_group`]: op('port.disconnect_security_group'),
  [`${R}.network.port.connect_floating_ip`]: op('port.connect_floating_ip'),
  [`${R}.network.port.disconnect_floating_ip`]: op('port.disconnect_floating_ip'),
  [`${R}.network.router.create`]: op('router.create'),
  [`${R}.network.router.delete`]: op('router.delete'),
  [`${R}.network.router.add_interface_to_router`]: op('router.add_interface'),
  [`${R}.network.router.remove_interface_from_router`]: op('router.remove_interface'),
  [`${R}.network.security_group.create`]: op('securityGroup.create'),
  [`${R}.network.security_group.configure`]: op('securityGroup.configure'),
  [`${R}.network.security_group.delete`]: op('securityGroup.delete'),
  [`${R}.network.security_group_rule.create`]: op('securityGroupRule.create'),
  [`${R}.network.security_group_rule.delete`]: op('securityGroupRule.delete'),
  [`${R}.network.floating_ip.create`]: op('floatingIp.create'),
  [`${R}.network.floating_ip.delete`]: op('floatingIp.delete'),
  [`${R}.volume.volume.create`]: op('volume.create'),
  [`${R}.volume.volume.start`]: op('volume.start'),
  [`${R}.volume.volume.delete`]: op('volume.delete'),
  // legacy plugin (2.x) implementation names
  'nova_plugin.server.create': op('server.create'),
  'nova_plugin.server.start': op('server.start'),
  'nova_plugin.server.stop': op('server.stop'),
  'nova_plugin.server.delete': op('server.delete'),
  'nova_plugin.server.connect_floatingip': op('server.connect_floating_ip'),
  'nova_plugin.server.disconnect_floatingip': op('server.disconnect_floating_ip'),
  'nova_plugin.server.connect_security_group': op('server.connect_security_group'),
  'nova_plugin.server.disconnect_security_group': op('server.disconnect_security_group'),
  'nova_plugin.server.attach_volume': op('server.attach_volume'),
  'nova_plugin.server.detach_volume': op('server.detach_volume'),
  'nova_plugin.keypair.create': op('keypair.create'),
  'nova_plugin.keypair.delete': op('keypair.delete'),
  'neutron_plugin.network.create': op('network.create'),
  'neutron_plugin.network.delete': op('network.delete'),
  'neutron_plugin.subnet.create': op('subnet.create'),
  'neutron_plugin.subnet.delete': op('subnet.delete'),
  'neutron_plugin.port.create': op('port.create'),
  'neutron_plugin.port.delete': op('port.delete'),
  'neutron_plugin.port.connect_security_group': op('port.connect_security_group'),
  'neutron_plugin.port.detach': op('server.disconnect_port'),
  'neutron_plugin.router.create': op('router.create'),
  'neutron_plugin.router.delete': op('router.delete'),
  'neutron_plugin.router.connect_subnet': op('router.add_interface'),
  'neutron_plugin.router.disconnect_subnet': op('router.remove_interface'),
  'neutron_plugin.security_group.create': chain('securityGroup.create', 'securityGroup.configure'),
  'neutron_plugin.security_group.delete': op('securityGroup.delete'),
  'neutron_plugin.floatingip.create': op('floatingIp.create'),
  'neutron_plugin.floatingip.delete': op('floatingIp.delete'),
  'neutron_plugin.floatingip.connect_port': op('port.connect_floating_ip'),
  'neutron_plugin.floatingip.disconnect_port': op('port.disconnect_floating_ip'),
  'cinder_plugin.volume.create': op('volume.create'),
  'cinder_plugin.volume.delete': op('volume.delete'),
};

/** The OpenStack plugin definition registered in plugins/index.ts. */
export const openstackPlugin: PluginDefinition = definePlugin({
  name: 'openstack',
  aliases: ['cloudify-openstack-plugin', 'openstacksdk'],
  description: 'OpenStack servers, networks, subnets, ports, routers, security groups, floating IPs, key pairs and volumes (pkgcloud-backed).',
  operations: openstackOperations,
  typeLibraries: [openstackTypeLibrary],
  // Keep a 2-core control plane responsive; Nova and Neutron serialise much of it anyway.
  concurrency: 8,
});
