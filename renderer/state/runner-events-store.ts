/**
 * The event stream pane's state: the bounded event log, the filter, follow mode. The log
 * is a mutable object (renderer/runner/event-log.ts) and `version` bumps once per applied
 * batch: copying a 50,000-event array on every batch at 5,000 events/s would cost more
 * than rendering, so subscribers watch the version instead of the array.
 */
import { create } from 'zustand';
import type { HostEvent } from '../../engine/host/contract';
import { EventLog, type EventStreamFilter } from '../runner/event-log';

export interface RunnerEventsState {
  log: EventLog;
  version: number;
  filter: EventStreamFilter;
  follow: boolean;
  /** Events received in total and batches applied (the bench reads them). */
  received: number;
  batches: number;
  append(batch: readonly HostEvent[]): void;
  setFilter(patch: Partial<EventStreamFilter>): void;
  setFollow(follow: boolean): void;
  clear(): void;
  reset(): void;
}

export const useRunnerEventsStore = create<RunnerEventsState>()((set, get) => ({
  log: new EventLog(),
  version: 0,
  filter: {},
  follow: true,
  received: 0,
  batches: 0,
  append: (batch) => {
    const added = get().log.append(batch);
    if (added > 0)
      set((s) => ({
        version: s.version + 1,
        received: s.received + added,
        batches: s.batches + 1,
      }));
  },
  setFilter: (patch) =>
    set((s) => {
      const filter: EventStreamFilter = { ...s.filter, ...patch };
      for (const k of Object.keys(filter) as (keyof EventStreamFilter)[])
        if (filter[k] === '' || filter[k] === undefined) delete filter[k];
      return { filter };
    }),
  setFollow: (follow) => set({ follow }),
  clear: () => {
    get().log.clear();
    set((s) => ({ version: s.version + 1 }));
  },
  reset: () =>
    set({ log: new EventLog(), version: 0, filter: {}, follow: true, received: 0, batches: 0 }),
}));
