/**
 * Secrets on the desktop: encrypted with Electron's safeStorage (the OS keychain holds the
 * key) and kept as `{name: base64 ciphertext}` in a 0600 file under userData. The
 * encryptor is passed in so this stays testable without Electron.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretStore } from '../engine/store/secrets';

/** The slice of Electron's safeStorage used here. */
export interface Encryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** Secret names as get_secret references them: no paths, no control characters. */
export const secretNamePattern = /^[A-Za-z0-9_.-]{1,128}$/;

export class SafeStorageSecretStore implements SecretStore {
  readonly kind = 'safeStorage';

  constructor(
    private readonly file: string,
    private readonly encryptor: Encryptor,
  ) {}

  get(name: string): Promise<string | undefined> {
    const blob = this.readAll()[name];
    if (blob === undefined) return Promise.resolve(undefined);
    return Promise.resolve(this.encryptor.decryptString(Buffer.from(blob, 'base64')));
  }

  set(name: string, value: string): Promise<void> {
    if (!secretNamePattern.test(name)) return Promise.reject(new Error(`invalid secret name ${JSON.stringify(name)}`));
    if (!this.encryptor.isEncryptionAvailable()) {
      // Never fall back to plain text: refusing is the safe failure.
      return Promise.reject(new Error('the OS keychain is not available, so the secret was not stored'));
    }
    const all = this.readAll();
    all[name] = this.encryptor.encryptString(value).toString('base64');
    this.writeAll(all);
    return Promise.resolve();
  }

  delete(name: string): Promise<void> {
    const all = this.readAll();
    if (name in all) {
      delete all[name];
      this.writeAll(all);
    }
    return Promise.resolve();
  }

  /** Names only; values never leave through this. */
  list(): string[] {
    return Object.keys(this.readAll()).sort();
  }

  private readAll(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
  }

  private writeAll(all: Record<string, string>): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}
