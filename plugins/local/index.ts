/**
 * The local plugin (`local`, import `plugin:trellis-local`): the offline environment, i.e.
 * this machine as a host and long-running processes on it.
 */
import { fileURLToPath } from 'node:url';
import type { OperationContext, PluginDefinition, TypeLibrary } from '../sdk';
import { definePlugin } from '../sdk';
import { addBackend, removeBackend } from './balancer-operations';
import {
  checkProcessStatus,
  createProcess,
  deleteProcess,
  restartProcess,
  startProcess,
  stopProcessOperation,
} from './process-operations';

/** plugins/local/types.yaml and the import names that resolve to it. */
export const localTypeLibrary: TypeLibrary = {
  file: fileURLToPath(new URL('./types.yaml', import.meta.url)),
  pluginImportNames: ['trellis-local'],
  importStrings: [],
  importPatterns: [/^plugin:trellis-local(\?.*)?$/],
};

async function createHost(ctx: OperationContext): Promise<void> {
  ctx.instance.runtimeProperties.ip = '127.0.0.1';
  await ctx.instance.update();
}

/** The built-in local plugin. */
export const localPlugin: PluginDefinition = definePlugin({
  name: 'local',
  aliases: ['trellis-local'],
  description:
    'This machine as a host, and long-running processes on it (the offline environment).',
  operations: {
    'host.create': createHost,
    'host.check_status': () => Promise.resolve({ status: 'ok' }),
    'process.create': createProcess,
    'process.start': startProcess,
    'process.stop': stopProcessOperation,
    'process.delete': deleteProcess,
    'process.restart': restartProcess,
    'process.check_status': checkProcessStatus,
    'balancer.add_backend': addBackend,
    'balancer.remove_backend': removeBackend,
  },
  typeLibraries: [localTypeLibrary],
});
