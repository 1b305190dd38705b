/**
 * The real sshd the SSH tests run against (test/peers/sshd). Starts it when it is not up.
 * Under CI=true a missing peer fails the tests; elsewhere they are skipped with a loud note.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface SshdPeer {
  host: string;
  port: number;
  user: string;
  home: string;
  keyPath: string;
  /** `ssh-ed25519 BASE64` of the server's host key. */
  hostKey: string;
  config: string;
  sshd: string;
}

const state = process.env.TRELLIS_SSHD_STATE ?? '/tmp/trellis-peers/sshd';
const ciUp = path.resolve(import.meta.dirname, '../../../peers/sshd/ci-up.sh');

function readEnv(): SshdPeer | undefined {
  const file = path.join(state, 'env.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SshdPeer) : undefined;
}

/** Starts the peer if needed (ci-up.sh is idempotent); undefined when it cannot run here. */
export function sshdPeer(): SshdPeer | undefined {
  try {
    execFileSync('bash', [ciUp], { stdio: 'pipe', timeout: 60_000 });
    return readEnv();
  } catch (error) {
    const why = `the sshd test peer could not be started (${ciUp}): ${(error as Error).message}`;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`\n*** SKIPPING SSH TESTS: ${why}\n`);
    return undefined;
  }
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A second sshd with the peer's config on another port, in the foreground (-D) so the test
 * owns and ends it. Resolves once it accepts connections. */
export async function startExtraSshd(peer: SshdPeer, port: number, pidFile: string): Promise<ChildProcess> {
  const child = spawn(peer.sshd, ['-D', '-e', '-f', peer.config, '-o', `Port=${port}`, '-o', `PidFile=${pidFile}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`sshd on port ${port} did not start`);
}
