/**
 * Main's HostClient for the engine process. It outlives any one engine: when the engine
 * dies the supervisor detaches it (calls in flight fail with `unavailable`, new calls wait),
 * and when a new engine is ready it attaches again and re-subscribes every live
 * subscription after the last seq it delivered — so the window's event streams continue
 * across a restart without gaps or repeats (the engine replays stored events).
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
} from '../engine/host/contract';

/** Where requests go: the live engine's port. */
export interface EngineSink {
  postMessage(message: HostWireRequest): void;
}

interface Sub {
  filter: EventFilter & { afterSeq?: number };
  listener: EventBatchListener;
  lastSeq: number | undefined;
}

const unavailable = (message: string): HostResult<never> => ({ ok: false, error: { code: 'unavailable', message } });

export class EngineClient implements HostClient {
  private sink: EngineSink | undefined;
  private nextId = 1;
  private readonly inFlight = new Map<number, (r: HostResult<unknown>) => void>();
  private readonly queued: { request: Extract<HostWireRequest, { kind: 'call' }>; resolve: (r: HostResult<unknown>) => void }[] = [];
  private readonly subs = new Map<number, Sub>();
  private closed = false;
  /** Why no engine will come until someone restarts it; calls fail fast meanwhile. */
  private down: string | undefined;

  /** A (new) engine is ready: replay subscriptions and send the calls that waited. */
  attach(sink: EngineSink): void {
    this.sink = sink;
    this.down = undefined;
    for (const [id, sub] of this.subs) {
      const filter = sub.lastSeq === undefined ? sub.filter : { ...sub.filter, afterSeq: sub.lastSeq };
      sink.postMessage({ kind: 'subscribe', id, filter });
    }
    for (const { request, resolve } of this.queued.splice(0)) {
      this.inFlight.set(request.id, resolve);
      sink.postMessage(request);
    }
  }

  /** The engine is gone: what it was doing fails as `unavailable`; new calls wait for the next one. */
  detach(reason: string): void {
    this.sink = undefined;
    for (const resolve of this.inFlight.values()) resolve(unavailable(reason));
    this.inFlight.clear();
  }

  /** No engine until a restart is asked for: fail what waits, and new calls at once. */
  markDown(reason: string): void {
    this.down = reason;
    this.detach(reason);
    for (const { resolve } of this.queued.splice(0)) resolve(unavailable(reason));
  }

  /** No engine will come back: fail everything now and later. */
  close(reason: string): void {
    this.closed = true;
    this.detach(reason);
    for (const { resolve } of this.queued.splice(0)) resolve(unavailable(reason));
  }

  /** True while an engine is attached. */
  isAttached(): boolean {
    return this.sink !== undefined;
  }

  /**
   * Tells every subscription that may see `engine` events what happened to the engine. The
   * event carries the subscription's last seq (it is the shell's, not the engine's, so it
   * must not move the resume point).
   */
  notifyEngine(state: 'ready' | 'restarting' | 'crashed', message: string): void {
    const time = new Date().toISOString();
    for (const sub of this.subs.values()) {
      if (sub.filter.types && !sub.filter.types.includes('engine')) continue;
      const level = state === 'ready' ? 'info' : 'error';
      if (sub.filter.levels && !sub.filter.levels.includes(level)) continue;
      sub.listener([{ type: 'engine', state, seq: sub.lastSeq ?? 0, time, level, message }]);
    }
  }

  /** A message from the engine. */
  receive(message: HostWireMessage): void {
    if (message.kind === 'result') {
      const resolve = this.inFlight.get(message.id);
      this.inFlight.delete(message.id);
      resolve?.(message.result);
    } else if (message.kind === 'events') {
      const sub = this.subs.get(message.id);
      if (!sub) return;
      const last = sub.lastSeq;
      const fresh = last === undefined ? message.batch : message.batch.filter((e) => e.seq > last);
      if (fresh.length === 0) return;
      sub.lastSeq = fresh[fresh.length - 1]!.seq;
      sub.listener(fresh);
    }
  }

  call<M extends HostMethod>(method: M, params: ParamsOf<M>): Promise<HostResult<ResultOf<M>>> {
    if (this.closed) return Promise.resolve(unavailable('the engine is not running'));
    if (this.down !== undefined) return Promise.resolve(unavailable(this.down));
    const request = { kind: 'call', id: this.nextId++, method, params } as const;
    return new Promise((resolve) => {
      const done = resolve as (r: HostResult<unknown>) => void;
      if (this.sink) {
        this.inFlight.set(request.id, done);
        this.sink.postMessage(request);
      } else {
        this.queued.push({ request, resolve: done });
      }
    });
  }

  subscribe(filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener): () => void {
    const id = this.nextId++;
    this.subs.set(id, { filter, listener, lastSeq: filter.afterSeq });
    this.sink?.postMessage({ kind: 'subscribe', id, filter });
    return () => {
      if (this.subs.delete(id)) this.sink?.postMessage({ kind: 'unsubscribe', id });
    };
  }
}
