import { describe, expect, it } from 'vitest';
import type { HostEvent } from '../../../engine/host/contract';
import { EventLog, formatEvent, matchesFilter } from '../../../renderer/runner/event-log';

let seq = 0;
function ev(over: Partial<HostEvent> & { level?: HostEvent['level'] } = {}): HostEvent {
  seq++;
  return {
    seq,
    time: new Date(1_700_000_000_000 + seq).toISOString(),
    level: 'info',
    type: 'log',
    message: `event ${seq}`,
    deploymentId: 'd1',
    ...over,
  } as HostEvent;
}

describe('the event stream log', () => {
  it('filters by deployment, execution, node, instance, level and text (case-insensitive)', () => {
    const e = ev({
      deploymentId: 'd1',
      executionId: 'x1',
      nodeId: 'web',
      instanceId: 'web_abc123',
      level: 'warn',
      message: 'Port Busy',
    });
    expect(matchesFilter(e, {})).toBe(true);
    expect(
      matchesFilter(e, {
        deploymentId: 'd1',
        executionId: 'x1',
        nodeId: 'web',
        instanceId: 'web_abc123',
        levels: ['warn'],
        text: 'port busy',
      }),
    ).toBe(true);
    expect(matchesFilter(e, { deploymentId: 'd2' })).toBe(false);
    expect(matchesFilter(e, { executionId: 'x2' })).toBe(false);
    expect(matchesFilter(e, { nodeId: 'db' })).toBe(false);
    expect(matchesFilter(e, { instanceId: 'web_zzz' })).toBe(false);
    expect(matchesFilter(e, { levels: ['error'] })).toBe(false);
    expect(matchesFilter(e, { text: 'idle' })).toBe(false);
  });

  it('extends a filtered view with only the new events and rebuilds it when the filter changes', () => {
    const log = new EventLog(1000);
    log.append([ev({ level: 'error' }), ev(), ev({ level: 'error' })]);
    const errors = log.filtered({ levels: ['error'] });
    expect(errors).toHaveLength(2);
    log.append([ev(), ev({ level: 'error' })]);
    expect(log.filtered({ levels: ['error'] })).toHaveLength(3);
    expect(log.filtered({})).toHaveLength(5);
    expect(log.filtered({ levels: ['error'] }).map((i) => log.at(i)?.level)).toEqual([
      'error',
      'error',
      'error',
    ]);
  });

  it('ignores events it has already seen (a resumed subscription repeats some)', () => {
    const log = new EventLog(1000);
    const batch = [ev(), ev()];
    expect(log.append(batch)).toBe(2);
    expect(log.append(batch)).toBe(0);
    expect(log.total).toBe(2);
    expect(log.highestSeq).toBe(batch[1]!.seq);
  });

  it('keeps at most its capacity (plus slack), dropping the oldest and their view entries', () => {
    const log = new EventLog(100);
    for (let i = 0; i < 20; i++)
      log.append(Array.from({ length: 10 }, () => ev({ level: i % 2 ? 'error' : 'info' })));
    expect(log.total).toBe(200);
    expect(log.total - log.dropped).toBeLessThanOrEqual(125);
    const all = log.filtered({});
    expect(all[0]).toBe(log.dropped);
    expect(all.every((i) => log.at(i) !== undefined)).toBe(true);
    expect(log.at(0)).toBeUndefined();
    const errs = log.filtered({ levels: ['error'] });
    expect(errs.every((i) => log.at(i)?.level === 'error')).toBe(true);
    // A view made before trimming stays consistent after more trimming.
    for (let i = 0; i < 5; i++)
      log.append(Array.from({ length: 10 }, () => ev({ level: 'error' })));
    expect(log.filtered({ levels: ['error'] }).every((i) => log.at(i)?.level === 'error')).toBe(
      true,
    );
  });

  it('formats an event as one exportable line with where it happened', () => {
    const line = formatEvent(
      ev({ nodeId: 'web', instanceId: 'web_1', message: 'started', level: 'error' }),
    );
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT.* ERROR log\s+\[d1\/web\/web_1\] started$/);
  });
});
