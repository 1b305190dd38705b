/**
 * The built-in plugins. Entry points (engine process, CLI, `trellis serve`) import this list
 * and hand it to the EngineHost; the engine core names no plugin.
 * One line per plugin: each plugin's owner edits only its own line.
 */
import type { PluginDefinition } from './sdk';
import { fabricPlugin, scriptPlugin } from './script';
import { localPlugin } from './local';
import { openstackPlugin } from './openstack';
import { kubernetesPlugin } from './kubernetes';

export const builtinPlugins: PluginDefinition[] = [
  scriptPlugin, // script: plugins/script
  fabricPlugin, // fabric: plugins/script (remote hosts over SSH)
  localPlugin, // local: plugins/local
  openstackPlugin, // openstack: plugins/openstack
  kubernetesPlugin, // kubernetes: plugins/kubernetes
];
