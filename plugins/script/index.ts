/**
 * The script plugin (`script`, alias `cloudify-script-plugin`) and the fabric plugin
 * (`fabric`, alias `cloudify-fabric-plugin`), both backed by the transport-agnostic runner.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationContext, PluginDefinition, TypeLibrary, Value } from '../sdk';
import { NonRecoverableError, definePlugin } from '../sdk';
import { LocalTransport } from './local-transport';
import { runScript, runScriptFile } from './runner';
import type { ScriptTransport } from './transport';
import { createSshHostMetricsCollector, fabricSshTransport, sshTransportFor, type SshSettings } from './ssh';

export type {
  ScriptTransport,
  ScriptSession,
  RunRequest,
  RunResult,
  CtxHandler,
} from './transport';
export { LocalTransport } from './local-transport';
export { runScript, runScriptFile } from './runner';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The script plugin's type library and the import strings real blueprints use for it. */
export const scriptTypeLibrary: TypeLibrary = {
  file: here('./plugin.yaml'),
  pluginImportNames: ['cloudify-script-plugin', 'script'],
  importStrings: [],
  importPatterns: [
    /^https?:\/\/\S*script-plugin\/\S*plugin\.yaml$/i,
    /^plugin:cloudify-script-plugin(\?.*)?$/i,
  ],
};

/** The fabric plugin's type library and its import strings. */
export const fabricTypeLibrary: TypeLibrary = {
  file: here('./fabric-plugin.yaml'),
  pluginImportNames: ['cloudify-fabric-plugin', 'fabric'],
  importStrings: [],
  importPatterns: [
    /^https?:\/\/\S*fabric-plugin\/\S*plugin\.yaml$/i,
    /^plugin:cloudify-fabric-plugin(\?.*)?$/i,
  ],
};

export interface ScriptPluginOptions {
  /** Where every script runs (tests). @default on its host over SSH when the host is a remote
   * Compute (plugins/script/ssh), else on this machine */
  transport?: ScriptTransport;
  /** SSH settings (Trellis home for known_hosts, connection override, retry delay). */
  ssh?: SshSettings;
}

/** Builds the script plugin (tests pass their own transport). */
export function createScriptPlugin(options: ScriptPluginOptions = {}): PluginDefinition {
  const local = new LocalTransport();
  const transportFor = (ctx: OperationContext): ScriptTransport =>
    options.transport ?? sshTransportFor(ctx, options.ssh) ?? local;
  return definePlugin({
    name: 'script',
    aliases: ['cloudify-script-plugin'],
    description:
      'Runs operation scripts (bash, Python, Node, any shebang) with a ctx command, on this machine or on their host over SSH.',
    operations: {
      'script_runner.tasks.run': async (ctx) => runScript(ctx, { transport: transportFor(ctx) }),
      // Cloudify maps script-based workflows here; Trellis runs the script the same way, with
      // the ctx of the task that starts it.
      'script_runner.tasks.execute_workflow': async (ctx) =>
        runScript(ctx, { transport: transportFor(ctx) }),
    },
    typeLibraries: [scriptTypeLibrary],
    collectors: [createSshHostMetricsCollector(options.ssh?.home ? { home: options.ssh.home } : {})],
  });
}

const localHosts = new Set(['localhost', '127.0.0.1', '::1']);

/** The host a fabric operation targets: `fabric_env.host_string` (`user@host:port` allowed). */
function fabricHost(ctx: OperationContext): string | undefined {
  const env: Value | undefined = ctx.inputs.fabric_env;
  if (!env || typeof env !== 'object' || Array.isArray(env)) return undefined;
  const hostString = env.host_string ?? env.host;
  if (typeof hostString !== 'string' || !hostString) return undefined;
  return hostString.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
}

export interface FabricPluginOptions {
  /**
   * The transport for a fabric operation's target host. Default: this machine for
   * localhost (or no host), SSH for any other host.
   */
  transportFor?: (ctx: OperationContext, host: string | undefined) => ScriptTransport | undefined;
  /** SSH settings for remote hosts. */
  ssh?: SshSettings;
}

/** Builds the fabric plugin. */
export function createFabricPlugin(options: FabricPluginOptions = {}): PluginDefinition {
  const local = new LocalTransport();
  const transportFor = (ctx: OperationContext): ScriptTransport => {
    const host = fabricHost(ctx);
    const chosen = options.transportFor?.(ctx, host);
    if (chosen) return chosen;
    // No fabric_env host: the operation's own host when it is remote (Cloudify fabric did the same).
    if (host === undefined) {
      const viaHost = sshTransportFor(ctx, options.ssh);
      if (viaHost) return viaHost;
    }
    if (host === undefined || localHosts.has(host)) {
      if (host === undefined)
        ctx.logger.warn('fabric: no fabric_env.host_string given; running on this machine');
      return local;
    }
    return fabricSshTransport(ctx, host, options.ssh);
  };
  return definePlugin({
    name: 'fabric',
    aliases: ['cloudify-fabric-plugin'],
    description:
      "Cloudify's fabric operations (run_script, run_commands) through the script runner.",
    operations: {
      'fabric_plugin.tasks.run_script': async (ctx) =>
        runScript(ctx, { transport: transportFor(ctx) }),
      'fabric_plugin.tasks.run_commands': async (ctx) => {
        const commands = ctx.inputs.commands;
        if (!Array.isArray(commands) || !commands.every((c) => typeof c === 'string')) {
          throw new NonRecoverableError(
            `fabric run_commands needs a 'commands' input: a list of strings`,
          );
        }
        const transport = transportFor(ctx);
        const dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-fabric-'));
        try {
          const file = path.join(dir, 'commands.sh');
          // set -e: like fabric, stop at the first failing command.
          await writeFile(file, `#!/bin/sh\nset -e\n${commands.join('\n')}\n`);
          return await runScriptFile(ctx, file, 'run_commands', { transport });
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    },
    typeLibraries: [fabricTypeLibrary],
  });
}

/** The built-in script plugin (local transport). */
export const scriptPlugin: PluginDefinition = createScriptPlugin();
/** The built-in fabric plugin (remote hosts over SSH). */
export const fabricPlugin: PluginDefinition = createFabricPlugin();
