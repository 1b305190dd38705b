/**
 * Host keys pinned on first use, in an OpenSSH-format known_hosts file that Trellis owns
 * (`<Trellis home>/ssh/known_hosts`): the first connection to `[host]:port` records the key
 * the server presented; every later connection must present the same key. A different key
 * is never accepted silently: the caller turns the verdict into a NonRecoverableError.
 *
 * One exception, decided from Trellis's own records and never from anything the server
 * says: a pin made for a machine identified by its cloud id (`trellis-machine=<id>` in the
 * line's comment) is replaced when the address now belongs to a *different* machine Trellis
 * created (heal and scale reuse floating IPs). That is first use for the new machine.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** How a presented key compares with what the file says about that host. */
export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'pinned' }
  /** The address belongs to another machine now (different cloud id): re-pinned. */
  | { kind: 'replaced'; previousMachine: string; previous: string; presented: string }
  | {
      kind: 'changed';
      /** Fingerprints (`SHA256:...`, as `ssh-keygen -l` prints them). */
      expected: string;
      presented: string;
      keyType: string;
      line: number;
    };

/** The name OpenSSH uses for a host in known_hosts: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('ascii') || 'unknown';
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

interface Entry {
  hosts: string[];
  keyType: string;
  blob: Buffer;
  line: number;
  machine?: string;
}

const machineTag = /(?:^|\s)trellis-machine=(\S+)/;
/** Cloud ids are written into the file: keep them to one harmless token. */
const safeMachine = (id: string): string => id.replace(/[^A-Za-z0-9._:@/-]/g, '_');

function parse(text: string): Entry[] {
  const entries: Entry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    // Hashed names (|1|...) and markers (@cert-authority, @revoked) are OpenSSH's; Trellis
    // writes neither into its own file, so they are skipped rather than half-supported.
    if (!line || line.startsWith('#') || line.startsWith('|') || line.startsWith('@')) return;
    const [hosts, keyType, base64, ...comment] = line.split(/\s+/);
    if (!hosts || !keyType || !base64) return;
    const entry: Entry = {
      hosts: hosts.split(','),
      keyType,
      blob: Buffer.from(base64, 'base64'),
      line: index + 1,
    };
    const machine = machineTag.exec(comment.join(' '))?.[1];
    if (machine) entry.machine = machine;
    entries.push(entry);
  });
  return entries;
}

/** One Trellis known_hosts file. Checks from one process are serialised so that two first
 * connections to a new host pin one key, not two. */
export class KnownHosts {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** The file under a Trellis home folder. */
  static inHome(home: string): KnownHosts {
    return new KnownHosts(path.join(home, 'ssh', 'known_hosts'));
  }

  /**
   * Checks the key `host:port` presented: a match, a new pin (appended to the file), or a
   * change (the file is left as it is). `machine` is the cloud id of the machine Trellis
   * expects at that address, when it knows one (see the module comment).
   */
  check(host: string, port: number, blob: Buffer, machine?: string): Promise<HostKeyVerdict> {
    const run = this.queue.then(() => this.checkNow(host, port, blob, machine && safeMachine(machine)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async checkNow(host: string, port: number, blob: Buffer, machine?: string): Promise<HostKeyVerdict> {
    const name = knownHostsName(host, port);
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const keyType = keyTypeOf(blob);
    const forHost = parse(text).filter((e) => e.hosts.includes(name));
    if (forHost.some((e) => e.blob.equals(blob))) return { kind: 'match' };
    // A host may have pinned keys of several types (OpenSSH does the same); only a different
    // key of the type it presents now counts as a change.
    const sameType = forHost.find((e) => e.keyType === keyType);
    if (sameType?.machine && machine && sameType.machine !== machine) {
      const lines = text.split('\n');
      lines[sameType.line - 1] = this.entryLine(name, keyType, blob, machine);
      await writeFile(this.file, lines.join('\n'), { mode: 0o600 });
      return { kind: 'replaced', previousMachine: sameType.machine, previous: fingerprint(sameType.blob), presented: fingerprint(blob) };
    }
    if (sameType) {
      return {
        kind: 'changed',
        expected: fingerprint(sameType.blob),
        presented: fingerprint(blob),
        keyType,
        line: sameType.line,
      };
    }
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const prefix = text && !text.endsWith('\n') ? '\n' : '';
    await appendFile(this.file, `${prefix}${this.entryLine(name, keyType, blob, machine)}\n`, {
      mode: 0o600,
    });
    return { kind: 'pinned' };
  }

  private entryLine(name: string, keyType: string, blob: Buffer, machine?: string): string {
    return `${name} ${keyType} ${blob.toString('base64')}${machine ? ` trellis-machine=${machine}` : ''}`;
  }
}
