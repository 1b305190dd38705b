/**
 * Finds the loopback OpenStack started by test/peers/openstack (ci-up.sh). Outside CI a
 * test file skips loudly when it is not running; under CI=true its absence is a failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';

export interface PeerCredentials {
  username: string;
  password: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
}

export interface Peer {
  auth_url: string;
  region_name: string;
  interface: string;
  admin: PeerCredentials;
  member: PeerCredentials;
  quota: PeerCredentials;
  image: string;
  flavor: string;
  external_network: string;
  /** The peer's state directory (logs, pids, clouds.yaml). */
  state: string;
}

export const peerState = process.env.TRELLIS_OPENSTACK_STATE ?? '/tmp/trellis-peers/openstack';

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 3000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** The running peer, or undefined (with the reason) when it is not up. */
export async function findPeer(): Promise<{ peer?: Peer; reason?: string }> {
  const envFile = `${peerState}/env.json`;
  if (!existsSync(`${peerState}/ready`) || !existsSync(envFile)) return { reason: `no ${peerState}/ready` };
  const peer = { ...(JSON.parse(readFileSync(envFile, 'utf8')) as Omit<Peer, 'state'>), state: peerState };
  for (const url of [peer.auth_url, 'http://127.0.0.1:8774/', 'http://127.0.0.1:9696/']) {
    if (!(await answers(url))) return { reason: `${url} does not answer` };
  }
  return { peer };
}

/**
 * Resolves the peer for a test file: undefined (and a loud warning) when it is not up and
 * this is not CI; throws under CI=true.
 */
export async function requirePeer(file: string): Promise<Peer | undefined> {
  const { peer, reason } = await findPeer();
  if (peer) return peer;
  const message = `OpenStack peer not running (${reason}). Start it with: bash test/peers/openstack/ci-up.sh`;
  if (process.env.CI === 'true') throw new Error(`${file}: ${message}`);
  console.warn(`\n*** SKIPPING ${file}: ${message} ***\n`);
  return undefined;
}

/** client_config for one of the peer's users. */
export function clientConfig(peer: Peer, who: 'admin' | 'member' | 'quota'): Record<string, string> {
  return { auth_url: peer.auth_url, region_name: peer.region_name, ...peer[who] };
}
