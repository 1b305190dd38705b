/**
 * Reaching a host over SSH: where (address, port, after the connection override and
 * ~/.ssh/config), as whom (user, key, password, ssh-agent), with which host key (pinned on
 * first use), and what a failure to connect means for the operation (a booting VM refuses
 * or times out: retry; a changed host key: never).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { Client, type ConnectConfig } from 'ssh2';
import type { SecretsAccess, Value } from '../../sdk';
import {
  CancelledFailure,
  NonRecoverableError,
  OperationFailure,
  RecoverableError,
  TimeoutFailure,
} from '../../sdk';
import type { HostKeyVerdict, KnownHosts } from './known-hosts';
import { knownHostsName } from './known-hosts';

/** Everything needed to open one SSH connection. Holds secrets: never log it whole. */
export interface SshTarget {
  /** The address the blueprint gave (before the override), for messages. */
  address: string;
  host: string;
  port: number;
  user: string;
  privateKey?: string;
  passphrase?: string;
  password?: string;
  /** ssh-agent socket. */
  agent?: string;
  /** @default 10000 */
  connectTimeoutMs?: number;
  /** The cloud id of the machine expected at this address (host-key re-pinning on rebuild). */
  machineId?: string;
}

/** A host's `agent_config` as far as SSH goes (Cloudify's AgentConfig data type). */
export interface AgentConfig {
  user?: string;
  key?: Value;
  password?: Value;
  port?: number;
  /** Seconds (Trellis addition; Cloudify had none). */
  connect_timeout?: number;
  install_method?: string;
}

/**
 * Maps addresses to other `host:port`s. Tests and port-forwarded setups use it to send every
 * cloud VM address to the loopback sshd. Format (env `TRELLIS_SSH_OVERRIDE`): entries
 * separated by commas or spaces, each `FROM=TO`; FROM is `address`, `address:port` or `*`;
 * TO is `host` or `host:port`. E.g. `*=127.0.0.1:2222` or `10.0.0.5=127.0.0.1:2201`.
 */
export type SshOverride = ReadonlyMap<string, { host: string; port?: number }>;

/** Env var holding the connection override. */
export const sshOverrideEnv = 'TRELLIS_SSH_OVERRIDE';

/** Parses the override syntax (see {@link SshOverride}); malformed entries are an error. */
export function parseSshOverride(text: string | undefined): SshOverride {
  const map = new Map<string, { host: string; port?: number }>();
  for (const entry of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const [from, to] = entry.split('=');
    const m = to ? /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(to) : null;
    if (!from || !m?.[1]) {
      throw new NonRecoverableError(
        `${sshOverrideEnv}: cannot read "${entry}" (expected FROM=HOST[:PORT], FROM being an address, address:port or *)`,
      );
    }
    const host = m[1].replace(/^\[|\]$/g, '');
    map.set(from, m[2] ? { host, port: Number(m[2]) } : { host });
  }
  return map;
}

/** Applies the override to an address and port. */
export function applyOverride(
  override: SshOverride,
  address: string,
  port: number,
): { host: string; port: number } {
  const hit = override.get(`${address}:${port}`) ?? override.get(address) ?? override.get('*');
  return hit ? { host: hit.host, port: hit.port ?? port } : { host: address, port };
}

/** What ~/.ssh/config says about a host (only the settings Trellis uses). */
export interface SshConfigDefaults {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  connectTimeoutSeconds?: number;
}

const expandHome = (file: string): string =>
  file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;

/** Reads ~/.ssh/config (or `file`) for `host`; a missing file means no defaults. */
export async function sshConfigFor(host: string, file?: string): Promise<SshConfigDefaults> {
  let text: string;
  try {
    text = await readFile(file ?? path.join(os.homedir(), '.ssh', 'config'), 'utf8');
  } catch {
    return { identityFiles: [] };
  }
  const computed = SSHConfig.parse(text).compute(host, { ignoreCase: true });
  const one = (key: string): string | undefined => {
    const v = computed[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const many = (key: string): string[] => {
    const v = computed[key];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const defaults: SshConfigDefaults = { identityFiles: many('identityfile').map(expandHome) };
  const hostName = one('hostname');
  if (hostName) defaults.hostName = hostName.replace(/%h/g, host);
  const user = one('user');
  if (user) defaults.user = user;
  const port = Number(one('port'));
  if (Number.isInteger(port) && port > 0) defaults.port = port;
  const timeout = Number(one('connecttimeout'));
  if (Number.isFinite(timeout) && timeout > 0) defaults.connectTimeoutSeconds = timeout;
  return defaults;
}

const isMap = (v: Value | undefined): v is { [key: string]: Value } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A secret-capable setting's value: plain text, or `{get_secret: NAME}` left for run time
 * (properties are evaluated at plan time, secrets are not).
 */
export async function settingValue(
  value: Value | undefined,
  secrets: SecretsAccess,
): Promise<string | undefined> {
  if (typeof value === 'string') return value || undefined;
  if (isMap(value) && typeof value.get_secret === 'string') return secrets.get(value.get_secret);
  return undefined;
}

/** The key text for an agent_config `key`: the key itself, or a path to a key file. */
export async function privateKeyText(key: string): Promise<string> {
  if (key.includes('-----BEGIN')) return key;
  const file = expandHome(key);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new NonRecoverableError(`cannot read the SSH key file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Merges a host's agent settings: deprecated `cloudify_agent` first, `agent_config` over it,
 * then the same keys in runtime properties (set by whoever created the host) over those. */
export function agentConfigOf(
  properties: Readonly<Record<string, Value>>,
  runtimeProperties: Readonly<Record<string, Value>>,
): AgentConfig {
  const merged: Record<string, Value> = {};
  for (const source of [
    properties.cloudify_agent,
    properties.agent_config,
    runtimeProperties.cloudify_agent,
    runtimeProperties.agent_config,
  ]) {
    if (isMap(source)) for (const [k, v] of Object.entries(source)) if (v !== null && v !== '') merged[k] = v;
  }
  const config: AgentConfig = {};
  if (typeof merged.user === 'string') config.user = merged.user;
  if (merged.key !== undefined) config.key = merged.key;
  if (merged.password !== undefined) config.password = merged.password;
  if (typeof merged.port === 'number') config.port = merged.port;
  else if (typeof merged.port === 'string' && /^\d+$/.test(merged.port)) config.port = Number(merged.port);
  if (typeof merged.connect_timeout === 'number') config.connect_timeout = merged.connect_timeout;
  if (typeof merged.install_method === 'string') config.install_method = merged.install_method;
  return config;
}

export interface ResolveTargetOptions {
  secrets: SecretsAccess;
  override?: SshOverride;
  /** ~/.ssh/config path. */
  sshConfigFile?: string;
  /** ssh-agent socket. @default process.env.SSH_AUTH_SOCK */
  agent?: string;
}

/** Builds the connection for `address` from agent settings, ~/.ssh/config and the override. */
export async function resolveTarget(
  address: string,
  agent: AgentConfig,
  options: ResolveTargetOptions,
): Promise<SshTarget> {
  const fromConfig = await sshConfigFor(address, options.sshConfigFile);
  const port = agent.port ?? fromConfig.port ?? 22;
  const mapped = applyOverride(options.override ?? new Map(), address, port);
  const host = mapped.host === address && fromConfig.hostName ? fromConfig.hostName : mapped.host;
  const target: SshTarget = {
    address: `${address}:${port}`,
    host,
    port: mapped.port,
    user: agent.user ?? fromConfig.user ?? os.userInfo().username,
  };
  const timeout = agent.connect_timeout ?? fromConfig.connectTimeoutSeconds;
  if (timeout !== undefined) target.connectTimeoutMs = timeout * 1000;
  const key = await settingValue(agent.key, options.secrets);
  if (key) target.privateKey = await privateKeyText(key);
  const password = await settingValue(agent.password, options.secrets);
  if (password) target.password = password;
  if (!target.privateKey) {
    // Like ssh: the config's IdentityFile first, else the usual default key files.
    const candidates = fromConfig.identityFiles.length
      ? fromConfig.identityFiles
      : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(os.homedir(), '.ssh', f));
    for (const file of candidates) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text) {
        target.privateKey = text;
        break;
      }
    }
  }
  const agentSocket = options.agent ?? process.env.SSH_AUTH_SOCK;
  if (agentSocket) target.agent = agentSocket;
  return target;
}

/** Network errors that a host still booting produces. */
const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export interface ConnectOptions {
  knownHosts: KnownHosts;
  signal: AbortSignal;
  /** Seconds a booting host gets before the next attempt. @default 10 */
  retryAfter?: number;
  /** Attempts (0-based retry number) during which an authentication failure is still retried:
   * a VM's cloud-init may install the key after sshd already answers. @default 3 */
  authRetries?: number;
  /** The operation's retry number (0 on the first attempt). */
  retryNumber?: number;
  /** Told when a rebuilt machine's new host key replaced the old pin. */
  warn?: (message: string) => void;
}

function changedKeyMessage(target: SshTarget, verdict: Extract<HostKeyVerdict, { kind: 'changed' }>, file: string): string {
  return (
    `the SSH host key of ${knownHostsName(target.host, target.port)} has CHANGED: ` +
    `Trellis pinned ${verdict.keyType} ${verdict.expected} (${file}, line ${verdict.line}) and the host now presents ` +
    `${verdict.presented}. Someone may be intercepting the connection, or the host was rebuilt. ` +
    `Refusing to connect. If the host was rebuilt on purpose, delete that line and retry.`
  );
}

/**
 * Opens an authenticated connection.
 * @throws RecoverableError (with retryAfter) when the host refuses, times out or is unreachable;
 *   NonRecoverableError when the host key changed, or authentication keeps failing.
 */
export function connectSsh(target: SshTarget, options: ConnectOptions): Promise<Client> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(abortFailure(signal));
  return new Promise<Client>((resolve, reject) => {
    const client = new Client();
    let verdict: HostKeyVerdict | undefined;
    let settled = false;
    const done = (error: Error | undefined, value?: Client) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      client.removeListener('error', onError);
      // A socket torn down mid-handshake still reports its loss: nobody needs to hear it.
      client.on('error', () => undefined);
      if (error !== undefined) {
        client.end();
        client.destroy();
        reject(error);
      } else if (value) resolve(value);
    };
    const onAbort = () => done(abortFailure(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    const where = `${target.user}@${target.host}:${target.port}` + (target.address !== `${target.host}:${target.port}` ? ` (for ${target.address})` : '');
    const retryAfter = options.retryAfter ?? 10;
    const onError = (error: Error & { code?: string; level?: string }) => {
      if (verdict?.kind === 'changed') {
        return done(new NonRecoverableError(changedKeyMessage(target, verdict, options.knownHosts.file)));
      }
      if (error.level === 'client-authentication') {
        const message = `SSH authentication failed for ${where} (tried: ${triedMethods(target)})`;
        if ((options.retryNumber ?? 0) < (options.authRetries ?? 3)) {
          return done(new RecoverableError(`${message}; retrying in case the host is still installing its keys`, { retryAfter, cause: error }));
        }
        return done(new NonRecoverableError(message, { cause: error }));
      }
      if (error.level === 'client-timeout' || (error.code && transientCodes.has(error.code))) {
        return done(
          new RecoverableError(`cannot reach ${where} over SSH yet (${error.code ?? error.message}); the host may still be booting`, {
            retryAfter,
            cause: error,
          }),
        );
      }
      done(new RecoverableError(`SSH connection to ${where} failed: ${error.message}`, { retryAfter, cause: error }));
    };
    client.on('error', onError);
    // Errors after 'ready' belong to the session using the connection.
    client.once('ready', () => done(undefined, client));
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: target.connectTimeoutMs ?? 10_000,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        options.knownHosts.check(target.host, target.port, key, target.machineId).then(
          (v) => {
            verdict = v;
            if (v.kind === 'replaced') {
              options.warn?.(
                `${knownHostsName(target.host, target.port)} is now machine ${target.machineId ?? '?'} (was ${v.previousMachine}): ` +
                  `pinned its host key ${v.presented} in place of ${v.previous}`,
              );
            }
            verify(v.kind !== 'changed');
          },
          () => verify(false),
        );
      },
    };
    if (target.privateKey) config.privateKey = target.privateKey;
    if (target.passphrase) config.passphrase = target.passphrase;
    if (target.password) config.password = target.password;
    if (target.agent) config.agent = target.agent;
    client.connect(config);
  });
}

function triedMethods(target: SshTarget): string {
  const methods: string[] = [];
  if (target.privateKey) methods.push('key');
  if (target.password) methods.push('password');
  if (target.agent) methods.push('ssh-agent');
  return methods.join(', ') || 'no credentials: set agent_config.key, password or an ssh-agent';
}

/** Why the signal fired, as a failure. */
export function abortFailure(signal: AbortSignal): OperationFailure {
  const reason: unknown = signal.reason;
  if (reason instanceof OperationFailure) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new TimeoutFailure(0, { cause: reason });
  return new CancelledFailure('cancelled while connecting over SSH', { cause: reason });
}
