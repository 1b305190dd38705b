/**
 * The browser build's HostClient: the host contract over a WebSocket to `trellis serve`.
 *
 * The connection heals itself: when it drops, calls in flight fail with `unavailable`
 * (they may or may not have run; the caller decides whether to retry), calls made while
 * disconnected wait for the next connection, and every live subscription is re-sent with
 * `afterSeq` set to the last event it received, so no event is lost or repeated.
 */
import type {
  EventBatchListener,
  EventFilter,
  HostClient,
  HostMethod,
  HostResult,
  HostWireMessage,
  HostWireRequest,
  ParamsOf,
  ResultOf,
} from '../../engine/host/contract';

/** Connection states a UI may show. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The slice of the DOM WebSocket the client uses (tests pass `ws`'s WebSocket). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WsHostClientOptions {
  /** ws://host:port/ws?token=... */
  url: string;
  /** Makes a socket; the browser's WebSocket by default. */
  createSocket?: (url: string) => SocketLike;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. @default 250 */
  reconnectDelayMs?: number;
  /** @default 5000 */
  maxReconnectDelayMs?: number;
}

interface Pending {
  resolve(result: HostResult<unknown>): void;
}

interface LiveSubscription {
  filter: EventFilter & { afterSeq?: number };
  listener: EventBatchListener;
  lastSeq: number | undefined;
}

const OPEN = 1;

/** A HostClient over a self-healing WebSocket. */
export class WsHostClient implements HostClient {
  private socket: SocketLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: HostWireRequest[] = [];
  private readonly subs = new Map<number, LiveSubscription>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private state: ConnectionState = 'connecting';
  private delay: number;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly options: WsHostClientOptions) {
    this.delay = options.reconnectDelayMs ?? 250;
    this.connect();
  }

  call<M extends HostMethod>(method: M, params: ParamsOf<M>): Promise<HostResult<ResultOf<M>>> {
    if (this.disposed) {
      return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'the connection is closed' } });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as Pending['resolve'] });
      this.send({ kind: 'call', id, method, params });
    });
  }

  subscribe(filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener): () => void {
    const id = this.nextId++;
    this.subs.set(id, { filter, listener, lastSeq: filter.afterSeq });
    this.send({ kind: 'subscribe', id, filter });
    return () => {
      if (!this.subs.delete(id)) return;
      this.send({ kind: 'unsubscribe', id });
    };
  }

  /** Current connection state. */
  connectionState(): ConnectionState {
    return this.state;
  }

  /** Calls `listener` on every connection state change; returns the unsubscribe. */
  onConnectionState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Closes the connection for good. */
  dispose(): void {
    this.disposed = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket?.close();
    this.failPending('the connection is closed');
    this.setState('closed');
  }

  private connect(): void {
    const make = this.options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    const socket = make(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      this.delay = this.options.reconnectDelayMs ?? 250;
      this.setState('open');
      // Resume every subscription after the last event it saw.
      for (const [id, sub] of this.subs) {
        const filter = sub.lastSeq === undefined ? sub.filter : { ...sub.filter, afterSeq: sub.lastSeq };
        socket.send(JSON.stringify({ kind: 'subscribe', id, filter } satisfies HostWireRequest));
      }
      for (const request of this.waiting.splice(0)) {
        // Subscriptions were just re-sent from the table above.
        if (request.kind === 'call') socket.send(JSON.stringify(request));
      }
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => undefined; // onclose follows and drives the reconnect
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.failPending('the connection to the engine was lost');
      if (this.disposed) return;
      this.setState('reconnecting');
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.connect();
      }, this.delay);
      this.delay = Math.min(this.delay * 2, this.options.maxReconnectDelayMs ?? 5000);
    };
  }

  private send(request: HostWireRequest): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(request));
    else if (request.kind === 'call') this.waiting.push(request);
    // Subscribe/unsubscribe while disconnected: the table is replayed on open.
  }

  private receive(data: unknown): void {
    let message: HostWireMessage;
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data)) as HostWireMessage;
    } catch {
      return;
    }
    if (message.kind === 'result') {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      pending?.resolve(message.result);
    } else if (message.kind === 'events') {
      const sub = this.subs.get(message.id);
      if (!sub) return;
      const fresh = sub.lastSeq === undefined ? message.batch : message.batch.filter((e) => e.seq > sub.lastSeq!);
      if (fresh.length === 0) return;
      sub.lastSeq = fresh[fresh.length - 1]!.seq;
      sub.listener(fresh);
    } else {
      console.warn(`trellis host: ${message.message}`);
    }
  }

  /** Fails the calls that reached the old socket; calls still queued wait for the next one. */
  private failPending(message: string): void {
    const queued = new Set(this.waiting.map((r) => r.id));
    for (const [id, pending] of this.pending) {
      if (queued.has(id) && !this.disposed) continue;
      pending.resolve({ ok: false, error: { code: 'unavailable', message } });
      this.pending.delete(id);
    }
    if (this.disposed) this.waiting.length = 0;
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
