/**
 * The event stream's memory: a bounded log of host events and a filtered view of it that
 * is kept up to date incrementally. At 5,000 events/s re-filtering tens of thousands of
 * events every frame would cost more than the frame, so a view remembers which events it
 * has already looked at and only tests the new ones; changing the filter rebuilds it once.
 */
import type { EventLevel, HostEvent } from '../../engine/host/contract';

/** What the event pane filters by; empty fields match everything. */
export interface EventStreamFilter {
  deploymentId?: string;
  executionId?: string;
  nodeId?: string;
  instanceId?: string;
  /** Levels shown; empty or absent shows all. */
  levels?: EventLevel[];
  /** Case-insensitive substring of the message. */
  text?: string;
}

/** True when `e` passes `f`. */
export function matchesFilter(e: HostEvent, f: EventStreamFilter): boolean {
  if (f.deploymentId && e.deploymentId !== f.deploymentId) return false;
  if (f.executionId && e.executionId !== f.executionId) return false;
  if (f.nodeId && e.nodeId !== f.nodeId) return false;
  if (f.instanceId && e.instanceId !== f.instanceId) return false;
  if (f.levels && f.levels.length > 0 && !f.levels.includes(e.level)) return false;
  if (f.text && !e.message.toLowerCase().includes(f.text.toLowerCase())) return false;
  return true;
}

function filterKey(f: EventStreamFilter): string {
  return JSON.stringify([
    f.deploymentId ?? '',
    f.executionId ?? '',
    f.nodeId ?? '',
    f.instanceId ?? '',
    [...(f.levels ?? [])].sort(),
    f.text?.toLowerCase() ?? '',
  ]);
}

/** A bounded, append-only log with incrementally filtered views. */
export class EventLog {
  /** Events kept; `items[0]` has absolute index `base`. */
  private items: HostEvent[] = [];
  private base = 0;
  private lastSeq = 0;
  private view:
    { key: string; filter: EventStreamFilter; scanned: number; matches: number[] } | undefined;

  /** @param capacity events kept; older ones are dropped (they stay in the engine's store). */
  constructor(readonly capacity = 50_000) {}

  /** Events ever appended (including dropped ones). */
  get total(): number {
    return this.base + this.items.length;
  }

  /** Events dropped from the front to stay within capacity. */
  get dropped(): number {
    return this.base;
  }

  /** The highest seq seen (to resume a subscription after a reconnect). */
  get highestSeq(): number {
    return this.lastSeq;
  }

  /** Appends a batch, skipping events already seen (a resumed subscription may repeat). */
  append(batch: readonly HostEvent[]): number {
    let added = 0;
    for (const e of batch) {
      if (e.seq <= this.lastSeq) continue;
      this.lastSeq = e.seq;
      this.items.push(e);
      added++;
    }
    // Trim in chunks (a quarter of the capacity) so the copy is rare, not per batch.
    if (this.items.length > this.capacity * 1.25) {
      const drop = this.items.length - this.capacity;
      this.items = this.items.slice(drop);
      this.base += drop;
      if (this.view) {
        const firstKept = this.view.matches.findIndex((i) => i >= this.base);
        this.view.matches = firstKept < 0 ? [] : this.view.matches.slice(firstKept);
      }
    }
    return added;
  }

  /** The event with absolute index `i`, if still kept. */
  at(i: number): HostEvent | undefined {
    return this.items[i - this.base];
  }

  /**
   * The absolute indexes of the kept events that match `filter`, oldest first. The array
   * is the view's own: it grows in place as events arrive (callers read its length).
   */
  filtered(filter: EventStreamFilter): readonly number[] {
    const key = filterKey(filter);
    if (!this.view || this.view.key !== key)
      this.view = { key, filter, scanned: this.base, matches: [] };
    const v = this.view;
    for (let i = Math.max(v.scanned, this.base); i < this.total; i++) {
      const e = this.items[i - this.base];
      if (e && matchesFilter(e, v.filter)) v.matches.push(i);
    }
    v.scanned = this.total;
    return v.matches;
  }

  /** Forgets everything (the engine keeps its copy). */
  clear(): void {
    this.base += this.items.length;
    this.items = [];
    this.view = undefined;
  }
}

/** One line per event for copy/export: time, level, where, message. */
export function formatEvent(e: HostEvent): string {
  const where = [e.deploymentId, e.nodeId, e.instanceId].filter(Boolean).join('/');
  return `${e.time} ${e.level.toUpperCase().padEnd(5)} ${e.type.padEnd(10)} ${where ? `[${where}] ` : ''}${e.message}`;
}
