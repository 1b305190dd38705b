/**
 * The runner's UI under an event storm: the real engine host emits events at a fixed rate
 * (default 5,000/s for 10 s) through its event bus, `trellis serve` streams them over the
 * WebSocket, and the Runner tab in headless Chromium shows them in the event stream. We
 * measure:
 *  - delivered: events the UI received / emitted (nothing may be dropped), and the lag
 *    from the last emit until the UI had it;
 *  - responsiveness: frame times in the page while the events stream (requestAnimationFrame
 *    deltas; p50, p95, p99, max, frames over 50 ms), once with no filter and follow on,
 *    once with a text filter;
 *  - the delay from typing into the search box until the list shows the filtered result.
 * Headless Chromium with software rendering on a shared 2-core machine: treat the numbers
 * as an upper bound of what a desktop sees.
 */
import type { Page } from 'playwright-core';
import type { EventLevel } from '../../engine/host/contract';
import { openRunner, startRunnerHarness, type RunnerHarness } from '../e2e/runner-harness';

export interface UiBenchResult {
  phase: string;
  rate: number;
  seconds: number;
  emitted: number;
  received: number;
  emitEventsPerSec: number;
  deliveredEventsPerSec: number;
  lagMs: number;
  frames: { count: number; p50: number; p95: number; p99: number; max: number; over50ms: number };
}

const levels: EventLevel[] = ['info', 'info', 'info', 'debug', 'warn', 'error'];

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

async function received(page: Page): Promise<number> {
  return Number(await page.locator('[data-testid="events-received"]').getAttribute('data-value'));
}

/** Emits `rate` events/s for `seconds` in 10 ms slices while the page records frame times. */
async function storm(
  h: RunnerHarness,
  page: Page,
  phase: string,
  rate: number,
  seconds: number,
): Promise<UiBenchResult> {
  const before = await received(page);
  // A string, not a function: tsx's keepNames helpers do not exist in the page.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__stop = false;
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (!window.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const total = rate * seconds;
  const perSlice = rate / 100;
  const start = performance.now();
  let emitted = 0;
  let n = 0;
  while (emitted < total) {
    const due = Math.min(total, Math.round(((performance.now() - start) / 1000) * rate) + perSlice);
    for (; emitted < due; emitted++, n++) {
      const node = `node_${n % 20}`;
      h.host.bus.emit({
        type: 'log',
        time: new Date().toISOString(),
        level: levels[n % levels.length]!,
        deploymentId: 'bench',
        executionId: 'bench_exec',
        nodeId: node,
        instanceId: `${node}_${String(n % 7).padStart(6, '0')}`,
        message: `${phase} event ${n}: operation output line with some text to search in (${n % 13 === 0 ? 'needle' : 'hay'})`,
      });
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const emitEnd = performance.now();
  const deadline = emitEnd + 60_000;
  let got = (await received(page)) - before;
  while (got < total && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    got = (await received(page)) - before;
  }
  const done = performance.now();
  const frames = await page.evaluate<number[]>(
    '(() => { window.__stop = true; return window.__frames.slice(2); })()',
  );
  const sorted = [...frames].sort((a, b) => a - b);
  return {
    phase,
    rate,
    seconds,
    emitted: total,
    received: got,
    emitEventsPerSec: Math.round(total / ((emitEnd - start) / 1000)),
    deliveredEventsPerSec: Math.round(got / ((done - start) / 1000)),
    lagMs: Math.round(done - emitEnd),
    frames: {
      count: frames.length,
      p50: +pct(sorted, 0.5).toFixed(1),
      p95: +pct(sorted, 0.95).toFixed(1),
      p99: +pct(sorted, 0.99).toFixed(1),
      max: +(sorted[sorted.length - 1] ?? 0).toFixed(1),
      over50ms: frames.filter((f) => f > 50).length,
    },
  };
}

/** Runs the UI part; prints a table and returns the results. */
export async function runUiBench(args: string[]): Promise<UiBenchResult[]> {
  const quick = args.includes('--quick');
  const rate = Number(args.find((a) => a.startsWith('--rate='))?.slice(7) ?? 5000);
  const seconds = quick ? 4 : 10;
  const h = await startRunnerHarness();
  try {
    const { page, errors } = await openRunner(h);
    await page.locator('[data-testid="event-list"]').waitFor();
    const results: UiBenchResult[] = [];
    results.push(await storm(h, page, 'follow', rate, seconds));
    // Filter while streaming: time from typing to the filtered list.
    const t0 = performance.now();
    await page.locator('[data-testid="event-search"]').fill('needle');
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-testid="event-list"] .ev-msg')].every((e) => e.textContent.includes('needle'))`,
    );
    const filterMs = Math.round(performance.now() - t0);
    results.push(await storm(h, page, 'filtered', rate, seconds));
    const kept = Number(
      await page.locator('[data-testid="event-list"]').getAttribute('data-count'),
    );
    console.log(
      `\nRunner UI under an event storm (headless Chromium, ${rate} events/s for ${seconds} s per phase)`,
    );
    console.table(
      results.map((r) => ({
        phase: r.phase,
        emitted: r.emitted,
        received: r.received,
        'emit/s': r.emitEventsPerSec,
        'delivered/s': r.deliveredEventsPerSec,
        'lag ms': r.lagMs,
        frames: r.frames.count,
        'p50 ms': r.frames.p50,
        'p95 ms': r.frames.p95,
        'p99 ms': r.frames.p99,
        'max ms': r.frames.max,
        '>50ms': r.frames.over50ms,
      })),
    );
    console.log(
      `typing a filter over the kept events: list filtered in ${filterMs} ms; ${kept} events match "needle"`,
    );
    const ok = results.every((r) => r.received === r.emitted && r.frames.p95 <= 50);
    console.log(
      ok
        ? 'PASS: nothing dropped, p95 frame <= 50 ms'
        : 'FAIL: dropped events or p95 frame > 50 ms',
    );
    if (errors.length) console.log('page errors:', errors);
    return results;
  } finally {
    await h.close();
  }
}
