/**
 * One client's session with a host over a message wire (a WebSocket, or the MessagePort
 * between Electron main and the engine process): validates each request, calls the host,
 * and streams subscribed events in batches with back-pressure.
 *
 * Back-pressure: events are queued per subscription and flushed as one message per tick
 * (coalescing bursts). While the transport still holds more than `highWaterMark` unsent
 * bytes the session sends nothing and keeps queueing; when a queue grows past
 * `maxQueuedEvents` the session detaches from the host altogether and, once the client
 * has caught up, re-subscribes after the last seq it queued — the host replays stored
 * events from there, so a slow client loses nothing and costs bounded memory.
 */
import type {
  EventFilter,
  HostClient,
  HostError,
  HostEvent,
  HostResult,
  HostWireMessage,
  HostWireRequest,
} from './contract';
import { HostErrorCode } from './contract';
import { isHostMethod, type ContractValidators } from './ws-schemas';

/** Tuning and transport hooks of a session. */
export interface HostSessionOptions {
  host: HostClient;
  validators: ContractValidators;
  send(message: HostWireMessage): void;
  /** Bytes the transport has queued but not sent yet; sessions without it never pause. */
  bufferedAmount?: () => number;
  /** How long events gather before a batch goes out. @default 20 */
  flushIntervalMs?: number;
  /** Pause sending while the transport holds more than this many bytes. @default 1 MiB */
  highWaterMark?: number;
  /** Detach from the host when this many events wait for one subscription. @default 10000 */
  maxQueuedEvents?: number;
  /** Most events in one batch message. @default 2000 */
  maxBatch?: number;
}

interface Subscription {
  filter: EventFilter & { afterSeq?: number };
  queue: HostEvent[];
  /** Highest seq accepted into the queue; resubscription resumes after it. */
  lastSeq: number;
  stop: (() => void) | undefined;
}

function fail(code: HostError['code'], message: string): HostResult<never> {
  return { ok: false, error: { code, message } };
}

/** Serves one client: feed it parsed requests with `handle`, end it with `close`. */
export class HostSession {
  private readonly subs = new Map<number, Subscription>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly highWaterMark: number;
  private readonly maxQueued: number;
  private readonly maxBatch: number;

  constructor(private readonly options: HostSessionOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 20;
    this.highWaterMark = options.highWaterMark ?? 1024 * 1024;
    this.maxQueued = options.maxQueuedEvents ?? 10_000;
    this.maxBatch = options.maxBatch ?? 2000;
  }

  /** Handles one request (already JSON-parsed, not yet trusted). */
  async handle(raw: unknown): Promise<void> {
    if (this.closed) return;
    const envelope = this.options.validators.wire(raw);
    if (!envelope.ok) {
      const id = (raw as { id?: unknown } | null)?.id;
      const kind = (raw as { kind?: unknown } | null)?.kind;
      if (kind === 'call' && typeof id === 'number') {
        const method = (raw as { method?: unknown }).method;
        const message = isHostMethod(method) ? envelope.message : `unknown method ${JSON.stringify(method)}`;
        this.options.send({ kind: 'result', id, result: fail(HostErrorCode.invalidParams, message) });
      } else {
        this.options.send({ kind: 'error', message: `malformed request: ${envelope.message}` });
      }
      return;
    }
    const request = raw as HostWireRequest;
    switch (request.kind) {
      case 'call':
        await this.call(request.id, request.method, request.params);
        return;
      case 'subscribe':
        this.subscribe(request.id, request.filter);
        return;
      case 'unsubscribe':
        this.unsubscribe(request.id);
        return;
    }
  }

  /** Ends every subscription; later requests are ignored. */
  close(): void {
    this.closed = true;
    for (const id of [...this.subs.keys()]) this.unsubscribe(id);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async call(id: number, method: string, params: unknown): Promise<void> {
    let result: HostResult<unknown>;
    if (!isHostMethod(method)) {
      result = fail(HostErrorCode.invalidParams, `unknown method ${JSON.stringify(method)}`);
    } else {
      const given = params ?? {};
      const check = this.options.validators.params(method)(given);
      if (!check.ok) {
        result = fail(HostErrorCode.invalidParams, `${method}: ${check.message}`);
      } else {
        try {
          // The params were validated against the method's schema just above.
          result = await this.options.host.call(method, given);
        } catch (error) {
          // A host should return failures as data; a throw is a bug, reported without its stack.
          result = fail(HostErrorCode.internal, error instanceof Error ? error.message : String(error));
        }
      }
    }
    if (!this.closed) this.options.send({ kind: 'result', id, result });
  }

  private subscribe(id: number, filter: EventFilter & { afterSeq?: number }): void {
    this.unsubscribe(id);
    const sub: Subscription = { filter, queue: [], lastSeq: filter.afterSeq ?? -1, stop: undefined };
    this.subs.set(id, sub);
    this.attach(sub);
  }

  private attach(sub: Subscription): void {
    const filter = sub.lastSeq >= 0 ? { ...sub.filter, afterSeq: sub.lastSeq } : { ...sub.filter };
    sub.stop = this.options.host.subscribe(filter, (batch) => {
      for (const event of batch) {
        // A re-attached subscription may replay what was already queued; seq orders them.
        if (event.seq <= sub.lastSeq) continue;
        sub.queue.push(event);
        sub.lastSeq = event.seq;
      }
      if (sub.queue.length > this.maxQueued) this.detach(sub);
      this.schedule();
    });
  }

  private detach(sub: Subscription): void {
    const stop = sub.stop;
    sub.stop = undefined;
    stop?.();
  }

  private unsubscribe(id: number): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    this.detach(sub);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.flushIntervalMs);
  }

  private flush(): void {
    if (this.closed) return;
    let pending = false;
    for (const [id, sub] of this.subs) {
      if ((this.options.bufferedAmount?.() ?? 0) > this.highWaterMark) {
        pending = true;
        break;
      }
      if (sub.queue.length > 0) {
        const batch = sub.queue.splice(0, this.maxBatch);
        this.options.send({ kind: 'events', id, batch });
      }
      if (sub.queue.length > 0) pending = true;
      else if (!sub.stop) this.attach(sub);
    }
    if (pending) this.schedule();
  }
}
