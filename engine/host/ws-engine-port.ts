/**
 * The wire between Electron main and the engine process (an Electron utilityProcess):
 * the same requests and messages as the WebSocket (HostWireRequest / HostWireMessage),
 * plus a `ready` signal and secret look-ups, which the engine asks of main because only
 * main can reach the OS keychain (safeStorage).
 */
import type { HostClient, HostWireMessage, HostWireRequest } from './contract';
import type { SecretStore } from '../store/secrets';
import { createContractValidators } from './ws-schemas';
import { HostSession } from './ws-session';

/** Engine -> main. */
export type EngineToMain =
  | HostWireMessage
  | { kind: 'ready' }
  | { kind: 'secret-get'; id: number; name: string }
  | { kind: 'secret-set'; id: number; name: string; value: string }
  | { kind: 'secret-delete'; id: number; name: string };

/** Main -> engine. */
export type MainToEngine =
  | HostWireRequest
  | { kind: 'secret-reply'; id: number; ok: boolean; value?: string; error?: string };

/** The slice of Electron's `process.parentPort` (or a MessagePort) used here. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/**
 * Serves a host over a port: every host request goes through a validating HostSession;
 * secret replies are handed to `onSecretReply`. Returns the session (close it on exit).
 */
export function serveHostOverPort(
  port: PortLike,
  host: HostClient,
  onSecretReply: (reply: Extract<MainToEngine, { kind: 'secret-reply' }>) => void = () => undefined,
): HostSession {
  const session = new HostSession({
    host,
    validators: createContractValidators(),
    send: (message) => port.postMessage(message),
    // A MessagePort has no send buffer to watch: it queues in memory. Batching still applies.
  });
  port.on('message', ({ data }) => {
    const message = data as { kind?: unknown } | null;
    if (message && message.kind === 'secret-reply') {
      onSecretReply(message as Extract<MainToEngine, { kind: 'secret-reply' }>);
      return;
    }
    void session.handle(data);
  });
  return session;
}

/**
 * A SecretStore that asks main, which keeps secrets in the OS keychain. Values cross the
 * port in memory only; nothing is written by the engine process.
 */
export class PortSecretStore implements SecretStore {
  readonly kind = 'safeStorage';
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Extract<MainToEngine, { kind: 'secret-reply' }>) => void>();

  constructor(private readonly port: PortLike) {}

  /** Feed replies from main here (see serveHostOverPort). */
  receive(reply: Extract<MainToEngine, { kind: 'secret-reply' }>): void {
    const resolve = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    resolve?.(reply);
  }

  async get(name: string): Promise<string | undefined> {
    const reply = await this.ask({ kind: 'secret-get', id: this.nextId++, name });
    return reply.value;
  }

  async set(name: string, value: string): Promise<void> {
    await this.ask({ kind: 'secret-set', id: this.nextId++, name, value });
  }

  async delete(name: string): Promise<void> {
    await this.ask({ kind: 'secret-delete', id: this.nextId++, name });
  }

  private ask(
    request: Extract<EngineToMain, { kind: 'secret-get' | 'secret-set' | 'secret-delete' }>,
  ): Promise<Extract<MainToEngine, { kind: 'secret-reply' }>> {
    return new Promise((resolve, reject) => {
      this.waiting.set(request.id, (reply) => {
        if (reply.ok) resolve(reply);
        else reject(new Error(reply.error ?? `secret ${request.name}: refused by the shell`));
      });
      this.port.postMessage(request);
    });
  }
}
