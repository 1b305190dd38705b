/**
 * When an operation runs on its host over SSH, and the transport that takes it there.
 *
 * A script operation runs over SSH when its host (`ctx.host`, the Compute instance it is
 * contained in, or the Compute itself) is a remote machine: any `cloudify.nodes.Compute`
 * except `trellis.nodes.local.Host` (this machine). Trellis installs no resident agent, so
 * the plugin's executor and the host's `agent_config.install_method` (none, remote,
 * provided, ...) all mean the same here: the script is run over SSH. Exceptions: a
 * Compute's own precreate/create/delete/postdelete run in Trellis (the machine does not
 * exist yet or any more).
 *
 * Where: the host's runtime property `ip` (set by the cloud plugin), else its `ip` property,
 * mapped through TRELLIS_SSH_OVERRIDE (see connection.ts) and ~/.ssh/config (HostName, User,
 * Port, IdentityFile, ConnectTimeout). How: `agent_config` (user, key as text / file path /
 * `{get_secret: NAME}`, password, port, connect_timeout), else ~/.ssh/config, the default
 * key files and the ssh-agent (SSH_AUTH_SOCK). Host keys: pinned on first use in
 * `<Trellis home>/ssh/known_hosts`.
 */
import type { OperationContext, Value } from '../../sdk';
import { NonRecoverableError } from '../../sdk';
import type { AgentConfig, SshOverride } from './connection';
import { agentConfigOf, parseSshOverride, resolveTarget, sshOverrideEnv } from './connection';
import { computeAddress, isRemoteCompute, knownHostsFor, machineIdOf, str, trellisHome } from './hosts';
import { SshTransport } from './ssh-transport';

export { SshTransport, execCapture } from './ssh-transport';
export type { SshTransportOptions } from './ssh-transport';
export { KnownHosts, fingerprint, knownHostsName } from './known-hosts';
export {
  agentConfigOf,
  applyOverride,
  connectSsh,
  parseSshOverride,
  resolveTarget,
  sshConfigFor,
  sshOverrideEnv,
} from './connection';
export type { AgentConfig, SshOverride, SshTarget } from './connection';
export { createSshHostMetricsCollector } from './host-metrics';
export { computeAddress, isRemoteCompute, knownHostsFor, trellisHome } from './hosts';

const hostlessOperations = new Set(['precreate', 'create', 'delete', 'postdelete']);

/** Settings shared by every SSH connection the plugins open. */
export interface SshSettings {
  /** Trellis home (known_hosts lives in `<home>/ssh`). @default from the context, TRELLIS_HOME, or the per-user default */
  home?: string;
  /** @default parsed from env TRELLIS_SSH_OVERRIDE */
  override?: SshOverride;
  /** ~/.ssh/config path. */
  sshConfigFile?: string;
  /** Seconds before retrying a host that refused or timed out. @default 10 */
  retryAfter?: number;
}

/** A remote host an operation runs on: its address and agent settings. */
export interface RemoteHost {
  /** The host node instance's id (for messages). */
  instanceId: string;
  address: string;
  agent: AgentConfig;
  /** The machine's cloud id (runtime `id` / `external_id`), when a cloud plugin recorded one. */
  machineId?: string;
}

/**
 * The remote host this operation must run on, or undefined when it runs in Trellis.
 * @throws NonRecoverableError when the host is remote but has no address.
 */
export function remoteHostOf(ctx: OperationContext): RemoteHost | undefined {
  const host = ctx.host;
  if (!host || !isRemoteCompute(host.node.typeHierarchy)) return undefined;
  const opName = ctx.operation.name.split('.').pop() ?? '';
  if (host.instance.id === ctx.instance.id && !ctx.relationship && hostlessOperations.has(opName)) return undefined;
  const address = computeAddress(host.node.properties, host.instance.runtimeProperties);
  if (!address) {
    throw new NonRecoverableError(
      `${ctx.operation.name} must run on host ${host.instance.id} over SSH, but that host has no address: ` +
        `neither an 'ip' runtime property (set when a cloud plugin creates it) nor an 'ip' property`,
    );
  }
  const remote: RemoteHost = {
    instanceId: host.instance.id,
    address,
    agent: agentConfigOf(host.node.properties, host.instance.runtimeProperties),
  };
  const machineId = machineIdOf(host.instance.runtimeProperties);
  if (machineId) remote.machineId = machineId;
  return remote;
}

/** An SSH transport to `address` for this operation. */
export function sshTransport(
  ctx: OperationContext,
  address: string,
  agent: AgentConfig,
  settings: SshSettings = {},
  machineId?: string,
): SshTransport {
  const override = settings.override ?? parseSshOverride(process.env[sshOverrideEnv]);
  const options: ConstructorParameters<typeof SshTransport>[0] = {
    target: async () => {
      const target = await resolveTarget(address, agent, {
        secrets: ctx.secrets,
        override,
        ...(settings.sshConfigFile ? { sshConfigFile: settings.sshConfigFile } : {}),
      });
      if (machineId) target.machineId = machineId;
      return target;
    },
    knownHosts: knownHostsFor(settings.home ?? trellisHome(ctx)),
    retryNumber: ctx.operation.retryNumber,
    warn: (message) => ctx.logger.warn(message),
  };
  if (settings.retryAfter !== undefined) options.retryAfter = settings.retryAfter;
  return new SshTransport(options);
}

/** The SSH transport for a script operation on a remote host, or undefined to run it here. */
export function sshTransportFor(ctx: OperationContext, settings: SshSettings = {}): SshTransport | undefined {
  const remote = remoteHostOf(ctx);
  return remote && sshTransport(ctx, remote.address, remote.agent, settings, remote.machineId);
}

/**
 * The SSH transport for a fabric operation: `fabric_env` (`host_string` as `[user@]host[:port]`,
 * `user`, `port`, `key_filename`, `key`, `password`) over the host's agent_config.
 */
export function fabricSshTransport(
  ctx: OperationContext,
  host: string,
  settings: SshSettings = {},
): SshTransport {
  const env = ctx.inputs.fabric_env;
  const fabric: Record<string, Value> = env && typeof env === 'object' && !Array.isArray(env) ? env : {};
  const agent: AgentConfig = ctx.host ? agentConfigOf(ctx.host.node.properties, ctx.host.instance.runtimeProperties) : {};
  const hostString = str(fabric.host_string) ?? '';
  const userInString = /^([^@]+)@/.exec(hostString)?.[1];
  const portInString = /:(\d+)$/.exec(hostString)?.[1];
  const user = str(fabric.user) ?? userInString;
  if (user) agent.user = user;
  const port = typeof fabric.port === 'number' ? fabric.port : portInString ? Number(portInString) : undefined;
  if (port) agent.port = port;
  const key = fabric.key ?? fabric.key_filename;
  if (key !== undefined && key !== null && key !== '') agent.key = key;
  if (fabric.password !== undefined && fabric.password !== null && fabric.password !== '') agent.password = fabric.password;
  return sshTransport(ctx, host, agent, settings);
}
