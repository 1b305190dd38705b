/**
 * Secret values live behind a `SecretStore`; the database keeps only references (name and
 * which store holds it). The desktop app injects one backed by Electron `safeStorage` (the
 * OS keychain). Headless (CLI, `trellis serve`) uses `FileSecretStore`:
 *
 * - `<home>/secrets/secrets.json` holds `{name: base64(iv | auth tag | AES-256-GCM ciphertext)}`,
 * - `<home>/secrets/master.key` holds 32 random bytes,
 * - both files are created with mode 0600 in a 0700 folder and replaced atomically.
 *
 * The key sits beside the data, so this protects against the data file leaking on its own
 * (a copied database or backup, an export) and keeps values out of plain text; it does not
 * protect against another process running as the same user. That is the honest limit of a
 * headless store without a keychain; the desktop app's safeStorage store does better.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where secret values are kept. */
export interface SecretStore {
  /** Recorded with each secret reference, e.g. `file` or `safeStorage`. */
  readonly kind: string;
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** The headless secret store: an encrypted file under the Trellis home (see module doc). */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file';
  private readonly dir: string;

  constructor(home: string) {
    this.dir = join(home, 'secrets');
  }

  get(name: string): Promise<string | undefined> {
    const blob = this.readAll()[name];
    if (blob === undefined) return Promise.resolve(undefined);
    const raw = Buffer.from(blob, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key(), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    decipher.setAAD(Buffer.from(name));
    return Promise.resolve(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
  }

  set(name: string, value: string): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(), iv);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const all = this.readAll();
    all[name] = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    this.writePrivate('secrets.json', JSON.stringify(all));
    return Promise.resolve();
  }

  delete(name: string): Promise<void> {
    const all = this.readAll();
    if (name in all) {
      delete all[name];
      this.writePrivate('secrets.json', JSON.stringify(all));
    }
    return Promise.resolve();
  }

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') chmodSync(this.dir, 0o700);
  }

  private key(): Buffer {
    const file = join(this.dir, 'master.key');
    if (!existsSync(file)) {
      this.ensureDir();
      // `wx` so two processes racing to create the key never overwrite each other's.
      try {
        writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return readFileSync(file);
  }

  private readAll(): Record<string, string> {
    const file = join(this.dir, 'secrets.json');
    if (!existsSync(file)) return {};
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  }

  private writePrivate(name: string, text: string): void {
    this.ensureDir();
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, join(this.dir, name));
  }
}
