/**
 * The event stream: a virtualized list (@tanstack/react-virtual) over the bounded event
 * log, with filters, follow mode (stick to the newest; scrolling up pauses it), copy and
 * export of what the filter shows. Only the visible rows are rendered, and the filtered
 * view is extended incrementally, so 5,000 events/s cost a few rows per frame.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, type JSX } from 'react';
import type { EventLevel, HostEvent } from '../../engine/host/contract';
import { useRunnerEventsStore } from '../state/runner-events-store';
import { useRunnerStore } from '../state/runner-store';
import { useUiStore } from '../state/ui-store';
import { formatEvent, type EventStreamFilter } from './event-log';

const rowHeight = 22;
const levels: EventLevel[] = ['debug', 'info', 'warn', 'error'];

function EventRow({ e, compact }: { e: HostEvent; compact?: boolean }): JSX.Element {
  if (compact)
    return (
      <>
        <span className="ev-time">{e.time.slice(11, 19)}</span>
        <span className="ev-msg" title={e.message}>
          {e.message}
        </span>
      </>
    );
  return (
    <>
      <span className="ev-time">{e.time.slice(11, 23)}</span>
      <span className={`ev-level lv-${e.level}`}>{e.level}</span>
      <span className="ev-type">{e.type}</span>
      <span className="ev-where">{e.instanceId ?? e.nodeId ?? e.deploymentId ?? ''}</span>
      <span className="ev-msg" title={e.message}>
        {e.message}
      </span>
    </>
  );
}

/** The list alone (also used, pre-filtered, in the node details). */
export function EventList({
  filter,
  compact,
  testId,
}: {
  filter: EventStreamFilter;
  compact?: boolean;
  testId: string;
}): JSX.Element {
  const log = useRunnerEventsStore((s) => s.log);
  const version = useRunnerEventsStore((s) => s.version);
  const follow = useRunnerEventsStore((s) => (compact ? true : s.follow));
  const scroller = useRef<HTMLDivElement | null>(null);
  // `version` changes on every applied batch; the view array grows in place.
  const matches = useMemo(() => log.filtered(filter), [log, filter, version]);
  const count = matches.length;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });

  useEffect(() => {
    if (follow && count > 0) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  }, [follow, count, version, virtualizer]);

  const onScroll = (): void => {
    const el = scroller.current;
    if (!el || compact) return;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < rowHeight * 2;
    const store = useRunnerEventsStore.getState();
    if (store.follow !== atEnd) store.setFollow(atEnd);
  };

  return (
    <div
      className={`ev-scroll${compact ? ' compact' : ''}`}
      ref={scroller}
      onScroll={onScroll}
      data-testid={testId}
      data-count={count}
    >
      {count === 0 && (
        <div className="rempty small">
          No events{Object.keys(filter).length ? ' match the filter' : ' yet'}.
        </div>
      )}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const e = log.at(matches[row.index] ?? -1);
          return (
            <div
              key={row.key}
              className={`ev-row lv-${e?.level ?? 'info'}`}
              style={{ transform: `translateY(${row.start}px)`, height: rowHeight }}
            >
              {e && <EventRow e={e} {...(compact ? { compact } : {})} />}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function visibleText(filter: EventStreamFilter): string {
  const { log } = useRunnerEventsStore.getState();
  return log
    .filtered(filter)
    .map((i) => log.at(i))
    .filter((e): e is HostEvent => e !== undefined)
    .map(formatEvent)
    .join('\n');
}

export function EventStream(): JSX.Element {
  const filter = useRunnerEventsStore((s) => s.filter);
  const follow = useRunnerEventsStore((s) => s.follow);
  const received = useRunnerEventsStore((s) => s.received);
  const deployments = useRunnerStore((s) => s.deployments);
  const executions = useRunnerStore((s) => s.executions);
  const plan = useRunnerStore((s) => (s.selectedId ? s.plans[s.selectedId] : undefined));
  const set = (patch: Partial<EventStreamFilter>): void =>
    useRunnerEventsStore.getState().setFilter(patch);
  const shown = filter.levels ?? [];

  const copy = async (): Promise<void> => {
    await navigator.clipboard.writeText(visibleText(filter));
    useUiStore.getState().notify('info', 'Events copied');
  };
  const exportFile = (): void => {
    const blob = new Blob([visibleText(filter)], { type: 'text/plain' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `trellis-events-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  return (
    <div className="events-pane" data-testid="event-stream">
      <div className="ev-filters">
        <select
          aria-label="Deployment"
          value={filter.deploymentId ?? ''}
          onChange={(e) => set({ deploymentId: e.target.value })}
        >
          <option value="">All deployments</option>
          {deployments.map((d) => (
            <option key={d.id}>{d.id}</option>
          ))}
        </select>
        <select
          aria-label="Execution"
          value={filter.executionId ?? ''}
          onChange={(e) => set({ executionId: e.target.value })}
        >
          <option value="">All executions</option>
          {executions.map((x) => (
            <option key={x.id} value={x.id}>
              {x.workflow} {x.createdAt.slice(11, 19)}
            </option>
          ))}
        </select>
        <select
          aria-label="Node"
          value={filter.nodeId ?? ''}
          onChange={(e) => set({ nodeId: e.target.value })}
        >
          <option value="">All nodes</option>
          {(plan?.nodes ?? []).map((n) => (
            <option key={n.name}>{n.name}</option>
          ))}
        </select>
        <input
          aria-label="Instance"
          placeholder="instance id"
          value={filter.instanceId ?? ''}
          onChange={(e) => set({ instanceId: e.target.value.trim() })}
          style={{ width: 120 }}
        />
        <span className="ev-levels" role="group" aria-label="Levels">
          {levels.map((l) => (
            <label key={l} className={`lv-${l}`}>
              <input
                type="checkbox"
                checked={shown.length === 0 || shown.includes(l)}
                onChange={(e) => {
                  const cur = shown.length === 0 ? levels : shown;
                  const next = e.target.checked ? [...cur, l] : cur.filter((x) => x !== l);
                  set({ levels: next.length === levels.length ? [] : next });
                }}
              />
              {l}
            </label>
          ))}
        </span>
        <input
          aria-label="Search events"
          type="search"
          placeholder="Search messages"
          value={filter.text ?? ''}
          onChange={(e) => set({ text: e.target.value })}
          className="ev-search"
          data-testid="event-search"
        />
        <span className="spacer" />
        <span className="muted small" data-testid="events-received" data-value={received}>
          {received.toLocaleString()} received
        </span>
        <label className="rcheck" title="Keep the newest event in view">
          <input
            type="checkbox"
            checked={follow}
            onChange={(e) => useRunnerEventsStore.getState().setFollow(e.target.checked)}
            data-testid="follow"
          />{' '}
          follow
        </label>
        <button
          className="ghost"
          onClick={() => void copy()}
          title="Copy the events the filter shows"
        >
          Copy
        </button>
        <button
          className="ghost"
          onClick={exportFile}
          title="Save the events the filter shows as a text file"
        >
          Export
        </button>
        <button
          className="ghost"
          onClick={() => useRunnerEventsStore.getState().clear()}
          title="Clear the list (the engine keeps them)"
        >
          Clear
        </button>
      </div>
      <EventList filter={filter} testId="event-list" />
    </div>
  );
}
