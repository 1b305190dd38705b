/**
 * Which node instances are remote hosts, their addresses, and where Trellis keeps their
 * pinned host keys. Shared by the SSH transport and the host-metrics collector.
 */
import os from 'node:os';
import path from 'node:path';
import type { OperationContext, Value } from '../../sdk';
import { KnownHosts } from './known-hosts';

const computeType = 'cloudify.nodes.Compute';
const localHostType = 'trellis.nodes.local.Host';

/** The Trellis home, as the engine uses it (plugins may not import the engine). */
export function trellisHome(ctx?: Pick<OperationContext, 'deploymentDataDir'>, env = process.env): string {
  if (ctx?.deploymentDataDir) return path.dirname(path.dirname(ctx.deploymentDataDir));
  if (env.TRELLIS_HOME) return env.TRELLIS_HOME;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Trellis');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Trellis');
  return path.join(env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'trellis');
}

export const str = (v: Value | undefined): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Is this Compute a remote machine Trellis reaches over SSH? */
export function isRemoteCompute(typeHierarchy: readonly string[]): boolean {
  return typeHierarchy.includes(computeType) && !typeHierarchy.includes(localHostType);
}

/** The address of a Compute: runtime `ip` first (the cloud plugin's), then the `ip` property. */
export function computeAddress(
  properties: Readonly<Record<string, Value>>,
  runtimeProperties: Readonly<Record<string, Value>>,
): string | undefined {
  return str(runtimeProperties.ip) ?? str(properties.ip);
}

/** The machine's cloud id, as cloud plugins record it (`id`, legacy `external_id`). */
export function machineIdOf(runtimeProperties: Readonly<Record<string, Value>>): string | undefined {
  return str(runtimeProperties.id) ?? str(runtimeProperties.external_id);
}

const knownHostsByFile = new Map<string, KnownHosts>();
/** One KnownHosts per file in this process, so concurrent first connections pin one key. */
export function knownHostsFor(home: string): KnownHosts {
  const file = path.join(home, 'ssh', 'known_hosts');
  let known = knownHostsByFile.get(file);
  if (!known) knownHostsByFile.set(file, (known = new KnownHosts(file)));
  return known;
}

