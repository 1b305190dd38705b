/**
 * The event bus: every event is appended to the store first (so it has its seq and survives
 * a crash), then delivered to live subscribers in batches.
 *
 * Batching: after an event is emitted, subscribers are flushed within `flushMs` (50 ms), or
 * at once when `maxBatch` (500) events are waiting. Events written by another engine process
 * sharing the same home (a CLI `install` while `trellis events --follow` runs) are picked up
 * by polling every `pollMs` (250 ms) while someone is subscribed.
 *
 * Back-pressure: a subscriber is a cursor (the last seq it was given), not a queue. Each
 * flush reads the next batch (at most `maxBatch` events) matching its filter from the store.
 * A listener that returns a promise gets no further batch until it settles; while it is
 * busy, new events wait in the database, and the next batch it gets coalesces everything
 * that arrived meanwhile (up to `maxBatch`, the rest on the following flushes). So a slow
 * listener costs no memory beyond one batch, and it loses nothing.
 */
import type { EventBatchListener, EventFilter, HostEvent } from './contract';
import type { NewEvent, Store } from '../store';

export interface EventBusOptions {
  /** @default 50 */
  flushMs?: number;
  /** @default 500 */
  maxBatch?: number;
  /** @default 250 */
  pollMs?: number;
}

/** A listener may return a promise to hold back the next batch until it is done. */
export type BackPressuredListener = (batch: HostEvent[]) => void | Promise<void>;

interface Subscriber {
  filter: EventFilter;
  cursor: number;
  listener: BackPressuredListener;
  busy: boolean;
  closed: boolean;
}

export class EventBus {
  private readonly subscribers = new Set<Subscriber>();
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly pollMs: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private pending = 0;
  private closed = false;

  constructor(
    private readonly store: Store,
    options: EventBusOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 50;
    this.maxBatch = options.maxBatch ?? 500;
    this.pollMs = options.pollMs ?? 250;
  }

  /** Persists an event and schedules its delivery; returns it with its seq. */
  emit(event: NewEvent): HostEvent {
    const stored = this.store.appendEvent(event);
    if (this.subscribers.size && !this.closed) {
      this.pending++;
      if (this.pending >= this.maxBatch) this.schedule(0);
      else this.schedule(this.flushMs);
    }
    return stored;
  }

  /**
   * Live events matching `filter`, after `afterSeq` (stored ones first) or, without it,
   * from now on. Returns the unsubscribe function.
   */
  subscribe(filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener | BackPressuredListener): () => void {
    const { afterSeq, ...rest } = filter;
    const sub: Subscriber = {
      filter: rest,
      cursor: afterSeq ?? this.store.lastEventSeq(),
      listener: listener,
      busy: false,
      closed: false,
    };
    this.subscribers.add(sub);
    if (!this.pollTimer && !this.closed) {
      this.pollTimer = setInterval(() => this.flush(), this.pollMs);
      this.pollTimer.unref();
    }
    if (afterSeq !== undefined) this.schedule(0);
    return () => {
      sub.closed = true;
      this.subscribers.delete(sub);
      if (!this.subscribers.size && this.pollTimer) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
      }
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Delivers what is waiting now (also used by tests and on close). */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.pending = 0;
    let again = false;
    for (const sub of this.subscribers) if (this.deliver(sub)) again = true;
    if (again) this.schedule(0);
  }

  close(): void {
    this.flush();
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.pollTimer = this.flushTimer = undefined;
    this.subscribers.clear();
  }

  private schedule(ms: number): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, ms);
    this.flushTimer.unref();
  }

  /** Sends one batch to a subscriber; true when more may be waiting. */
  private deliver(sub: Subscriber): boolean {
    if (sub.busy || sub.closed) return false;
    let batch: HostEvent[];
    try {
      batch = this.store.queryEvents({ ...sub.filter, afterSeq: sub.cursor, limit: this.maxBatch });
    } catch {
      return false; // the store is closing
    }
    if (!batch.length) return false;
    sub.cursor = batch[batch.length - 1]!.seq;
    let result: void | Promise<void>;
    try {
      result = sub.listener(batch);
    } catch {
      // A throwing listener must not break delivery to the others.
      result = undefined;
    }
    if (result instanceof Promise) {
      sub.busy = true;
      const release = (): void => {
        sub.busy = false;
        if (!sub.closed) this.schedule(0);
      };
      result.then(release, release);
      return false;
    }
    return batch.length === this.maxBatch;
  }
}
