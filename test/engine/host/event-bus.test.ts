import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../engine/host/event-bus';
import type { HostEvent } from '../../../engine/host/contract';
import { openStore, type Store } from '../../../engine/store';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(options = {}) {
  const home = mkdtempSync(join(tmpdir(), 'trellis-bus-'));
  dirs.push(home);
  const store = openStore({ home });
  stores.push(store);
  return { home, store, bus: new EventBus(store, options) };
}

const log = (i: number, deploymentId = 'd1') => ({ type: 'log' as const, time: new Date().toISOString(), level: 'info' as const, deploymentId, message: `line ${i}` });
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('event bus', () => {
  it('delivers persisted events in batches of at most maxBatch, in seq order, filtered', async () => {
    const { bus } = setup({ flushMs: 20, maxBatch: 100 });
    const batches: HostEvent[][] = [];
    bus.subscribe({ deploymentId: 'd1' }, (b) => batches.push(b));
    for (let i = 0; i < 450; i++) bus.emit(log(i, i % 10 === 0 ? 'd2' : 'd1'));
    await until(() => batches.flat().length === 405);
    expect(batches.every((b) => b.length <= 100)).toBe(true);
    expect(batches.length).toBeLessThan(20);
    const seqs = batches.flat().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(batches.flat().every((e) => e.deploymentId === 'd1')).toBe(true);
  });

  it('replays stored events after afterSeq before live ones', async () => {
    const { bus } = setup({ flushMs: 5 });
    const first = bus.emit(log(1));
    bus.emit(log(2));
    const got: string[] = [];
    bus.subscribe({ afterSeq: first.seq }, (b) => got.push(...b.map((e) => e.message)));
    bus.emit(log(3));
    await until(() => got.length === 2);
    expect(got).toEqual(['line 2', 'line 3']);
  });

  it('holds back a busy listener and coalesces what arrived meanwhile into its next batch', async () => {
    const { bus } = setup({ flushMs: 1, maxBatch: 1000 });
    const sizes: number[] = [];
    let release!: () => void;
    bus.subscribe({}, (b) => {
      sizes.push(b.length);
      return sizes.length === 1 ? new Promise<void>((r) => (release = r)) : undefined;
    });
    bus.emit(log(0));
    await until(() => sizes.length === 1);
    for (let i = 1; i <= 300; i++) bus.emit(log(i));
    await new Promise((r) => setTimeout(r, 50));
    expect(sizes).toEqual([1]); // nothing while the first batch is being handled
    release();
    await until(() => sizes.reduce((a, b) => a + b, 0) === 301);
    expect(sizes).toEqual([1, 300]);
  });

  it('picks up events another engine process wrote to the same home', async () => {
    const { home, bus } = setup({ pollMs: 20 });
    const got: string[] = [];
    bus.subscribe({}, (b) => got.push(...b.map((e) => e.message)));
    const other = openStore({ home });
    stores.push(other);
    other.appendEvent(log(7));
    await until(() => got.length === 1);
    expect(got).toEqual(['line 7']);
  });
});
