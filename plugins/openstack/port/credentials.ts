/**
 * Which cloud and who: resolved the way the openstack CLI does it, from (highest first)
 * the blueprint's `client_config` (or the legacy `openstack_config`), a clouds.yaml cloud
 * (named by `client_config.cloud` or `OS_CLOUD`), and the `OS_*` environment variables.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { TlsOptions } from './http';

/** Everything needed to authenticate against Keystone v3 and pick endpoints. */
export interface CloudConfig {
  /** Keystone base URL without the version (`http://host:5000`); `/v3` is appended. */
  authUrl: string;
  username?: string;
  userId?: string;
  password: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  regionName?: string;
  /** Which catalog endpoints to use. @default 'public' */
  interface: 'public' | 'internal' | 'admin';
  tls: TlsOptions;
  /** The clouds.yaml cloud name, when one was used (for display). */
  cloudName?: string;
  /**
   * Endpoints to use instead of the catalog's, per service (openstacksdk's
   * `<service>_endpoint_override`, e.g. `compute_endpoint_override`).
   */
  endpointOverrides?: Partial<Record<'compute' | 'network' | 'image' | 'volume', string>>;
}

/** A configuration problem found before any request (missing auth_url, unknown cloud...). */
export class CloudConfigError extends Error {
  override readonly name = 'CloudConfigError';
}

type Raw = Record<string, unknown>;

/** Where clouds.yaml is looked for, in order (openstacksdk's search path). */
export function cloudsYamlPaths(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const paths: string[] = [];
  if (env.OS_CLIENT_CONFIG_FILE) paths.push(resolve(cwd, env.OS_CLIENT_CONFIG_FILE));
  paths.push(join(cwd, 'clouds.yaml'), join(homedir(), '.config', 'openstack', 'clouds.yaml'), '/etc/openstack/clouds.yaml');
  return paths;
}

/** Reads one cloud's entry from the first clouds.yaml that defines it. */
export function loadCloud(name: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Raw {
  const searched: string[] = [];
  for (const path of cloudsYamlPaths(env, cwd)) {
    searched.push(path);
    if (!existsSync(path)) continue;
    const doc = parseYaml(readFileSync(path, 'utf8')) as { clouds?: Record<string, Raw> } | null;
    const cloud = doc?.clouds?.[name];
    if (cloud) {
      const auth = (cloud.auth ?? {}) as Raw;
      return { ...cloud, ...auth };
    }
  }
  throw new CloudConfigError(`cloud "${name}" not found in clouds.yaml (searched ${searched.join(', ')})`);
}

function fromEnv(env: NodeJS.ProcessEnv): Raw {
  const pick: Record<string, string | undefined> = {
    auth_url: env.OS_AUTH_URL,
    username: env.OS_USERNAME,
    user_id: env.OS_USER_ID,
    password: env.OS_PASSWORD,
    project_name: env.OS_PROJECT_NAME ?? env.OS_TENANT_NAME,
    project_id: env.OS_PROJECT_ID ?? env.OS_TENANT_ID,
    user_domain_name: env.OS_USER_DOMAIN_NAME,
    user_domain_id: env.OS_USER_DOMAIN_ID,
    project_domain_name: env.OS_PROJECT_DOMAIN_NAME,
    project_domain_id: env.OS_PROJECT_DOMAIN_ID,
    region_name: env.OS_REGION_NAME,
    interface: env.OS_INTERFACE ?? env.OS_ENDPOINT_TYPE,
    cacert: env.OS_CACERT,
    insecure: env.OS_INSECURE,
  };
  return Object.fromEntries(Object.entries(pick).filter(([, v]) => v !== undefined && v !== ''));
}

/** Legacy `openstack_config` spelled some keys differently. */
function normaliseKeys(raw: Raw): Raw {
  const out: Raw = { ...raw };
  const alias: Record<string, string> = {
    tenant_name: 'project_name',
    tenant_id: 'project_id',
    region: 'region_name',
    endpoint_type: 'interface',
    ca_cert: 'cacert',
    ca_file: 'cacert',
  };
  for (const [from, to] of Object.entries(alias)) {
    if (out[from] !== undefined && out[to] === undefined) out[to] = out[from];
  }
  // openstacksdk accepts `verify: false` (and a CA path as `verify`)
  if (out.verify === false || out.verify === 'false') out.insecure = true;
  if (typeof out.verify === 'string' && out.verify !== 'true' && out.cacert === undefined) out.cacert = out.verify;
  return out;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/**
 * Resolves the cloud configuration.
 * @param clientConfig the merged `client_config`/`openstack_config` (may be empty)
 */
export function resolveCloudConfig(clientConfig: Raw, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CloudConfig {
  const explicit = normaliseKeys(Object.fromEntries(Object.entries(clientConfig).filter(([, v]) => v !== '' && v !== null && v !== undefined)));
  const cloudName = str(explicit.cloud) ?? str(env.OS_CLOUD);
  const base = cloudName ? normaliseKeys(loadCloud(cloudName, env, cwd)) : normaliseKeys(fromEnv(env));
  const merged: Raw = { ...base, ...explicit };

  const authUrl = str(merged.auth_url);
  if (!authUrl) throw new CloudConfigError('no auth_url: set client_config.auth_url, a clouds.yaml cloud, or OS_AUTH_URL');
  const password = str(merged.password);
  if (!password) throw new CloudConfigError('no password in client_config, clouds.yaml or OS_PASSWORD');
  const username = str(merged.username);
  const userId = str(merged.user_id);
  if (!username && !userId) throw new CloudConfigError('no username (or user_id) in client_config, clouds.yaml or OS_USERNAME');
  const iface = (str(merged.interface) ?? 'public').replace(/URL$/, '');
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin') {
    throw new CloudConfigError(`interface must be public, internal or admin, not "${iface}"`);
  }
  const insecure = merged.insecure === true || merged.insecure === 'true' || merged.insecure === '1';
  const cacert = str(merged.cacert);
  const tls: TlsOptions = { insecure };
  if (cacert) tls.ca = cacert.includes('-----BEGIN') ? cacert : readFileSync(cacert, 'utf8');

  const config: CloudConfig = {
    authUrl: authUrl.replace(/\/+$/, '').replace(/\/v3$|\/v2\.0$/, ''),
    password,
    interface: iface,
    tls,
  };
  const optional: [keyof CloudConfig, unknown][] = [
    ['username', username],
    ['userId', userId],
    ['projectName', str(merged.project_name)],
    ['projectId', str(merged.project_id)],
    ['userDomainName', str(merged.user_domain_name)],
    ['userDomainId', str(merged.user_domain_id)],
    ['projectDomainName', str(merged.project_domain_name)],
    ['projectDomainId', str(merged.project_domain_id)],
    ['regionName', str(merged.region_name)],
    ['cloudName', cloudName],
  ];
  for (const [key, value] of optional) if (value !== undefined) (config as unknown as Raw)[key] = value;
  const overrides: NonNullable<CloudConfig['endpointOverrides']> = {};
  for (const [service, keys] of [
    ['compute', ['compute_endpoint_override']],
    ['network', ['network_endpoint_override']],
    ['image', ['image_endpoint_override']],
    ['volume', ['block_storage_endpoint_override', 'volume_endpoint_override']],
  ] as const) {
    const url = keys.map((k) => str(merged[k])).find((u) => u !== undefined);
    if (url) overrides[service] = url.replace(/\/+$/, '');
  }
  if (Object.keys(overrides).length) config.endpointOverrides = overrides;
  // Keystone v3 needs a domain for names; the CLI's default is the "default" domain.
  if (config.username && !config.userDomainName && !config.userDomainId) config.userDomainId = str(merged.domain_id) ?? 'default';
  if (config.projectName && !config.projectDomainName && !config.projectDomainId) config.projectDomainId = str(merged.domain_id) ?? 'default';
  return config;
}

/** A one-line description for users: which cloud, project and region (never secrets). */
export function describeCloud(c: CloudConfig): string {
  const who = c.username ?? c.userId ?? '?';
  const project = c.projectName ?? c.projectId ?? '(unscoped)';
  const parts = [c.cloudName ? `cloud ${c.cloudName}` : c.authUrl, `project ${project}`, `user ${who}`];
  if (c.regionName) parts.push(`region ${c.regionName}`);
  return parts.join(' / ');
}
