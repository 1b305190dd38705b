import { afterEach, describe, expect, it } from 'vitest';
import type { HostWireMessage } from '../../../engine/host/contract';
import { createContractValidators } from '../../../engine/host/ws-schemas';
import { HostSession } from '../../../engine/host/ws-session';
import { MemoryHost } from './memory-host';

const validators = createContractValidators();
const sessions: HostSession[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(options: { maxQueuedEvents?: number; maxBatch?: number } = {}) {
  const host = new MemoryHost();
  const sent: HostWireMessage[] = [];
  let buffered = 0;
  const session = new HostSession({
    host,
    validators,
    send: (m) => sent.push(m),
    bufferedAmount: () => buffered,
    flushIntervalMs: 5,
    highWaterMark: 1000,
    ...options,
  });
  sessions.push(session);
  const seqs = () => sent.flatMap((m) => (m.kind === 'events' ? m.batch.map((e) => e.seq) : []));
  return { host, sent, session, seqs, setBuffered: (n: number) => (buffered = n) };
}

describe('event streaming back-pressure', () => {
  it('sends nothing while the socket holds more than the high-water mark, then catches up', async () => {
    const { host, session, seqs, setBuffered } = setup();
    await session.handle({ kind: 'subscribe', id: 1, filter: {} });
    setBuffered(5000);
    host.emit(100);
    await tick(40);
    expect(seqs()).toEqual([]);
    setBuffered(0);
    await tick(40);
    expect(seqs()).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('detaches a slow client from the host and resumes after the last queued seq without loss or duplicates', async () => {
    const { host, session, seqs, setBuffered } = setup({ maxQueuedEvents: 50, maxBatch: 30 });
    await session.handle({ kind: 'subscribe', id: 1, filter: {} });
    setBuffered(5000);
    host.emit(60); // over the queue bound: the session lets go of the host
    expect(host.listenerCount()).toBe(0);
    host.emit(40); // stored by the host while the client lags
    await tick(20);
    expect(seqs()).toEqual([]);
    setBuffered(0);
    await tick(80);
    // Queue drained in batches of at most 30, then re-attached after seq 60: 61..100 replayed.
    expect(host.listenerCount()).toBe(1);
    expect(seqs()).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    host.emit(5);
    await tick(30);
    expect(seqs().slice(-5)).toEqual([101, 102, 103, 104, 105]);
  });

  it('keeps batches within the configured size', async () => {
    const { host, session, sent } = setup({ maxBatch: 25 });
    await session.handle({ kind: 'subscribe', id: 9, filter: {} });
    host.emit(100);
    await tick(60);
    const sizes = sent.filter((m) => m.kind === 'events').map((m) => (m.kind === 'events' ? m.batch.length : 0));
    expect(sizes).toEqual([25, 25, 25, 25]);
  });

  it('rejects a subscription with an invalid filter', async () => {
    const { session, sent, host } = setup();
    await session.handle({ kind: 'subscribe', id: 1, filter: { levels: ['loud'] } });
    expect(sent[0]).toMatchObject({ kind: 'error' });
    expect(host.listenerCount()).toBe(0);
  });
});
