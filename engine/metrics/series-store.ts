/**
 * The metric series store: raw samples and 1-minute roll-ups in the engine's SQLite
 * database (tables added by migration 100).
 *
 * - A series is (deployment, node, instance, metric); samples reference it by a small
 *   integer id, so a raw row is three numbers (a WITHOUT ROWID table clustered by series and
 *   time: range reads of one series are sequential).
 * - Roll-ups are kept current at ingest: each batch is folded in memory per series and
 *   minute, then upserted once per (series, minute) — so a roll-up costs one write per
 *   series-minute per batch, not one per sample.
 * - Retention: `prune(now)` drops raw samples older than `rawRetentionMs` (default 1 h) and
 *   roll-ups older than `rollupRetentionMs` (default 7 days), and the `metric` events (the
 *   live feed of the same samples) with the raw ones. The scheduler calls it.
 * - Queries pick the source by range: raw samples while the whole range is inside the raw
 *   retention and the step is under a minute; roll-ups otherwise.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { MetricQuery, MetricSample, MetricSeries } from '../host/contract';
import { registerMigration } from '../store/migrations';

/** The roll-up bucket width. */
export const ROLLUP_MS = 60_000;

registerMigration({
  version: 100,
  name: 'metric series, samples and 1-minute roll-ups',
  up: `
    CREATE TABLE metric_series (
      id INTEGER PRIMARY KEY,
      deployment_id TEXT NOT NULL,
      node_id TEXT NOT NULL,
      instance_id TEXT NOT NULL,
      metric TEXT NOT NULL,
      UNIQUE (deployment_id, metric, instance_id)
    );
    CREATE TABLE metric_samples (
      series_id INTEGER NOT NULL,
      time INTEGER NOT NULL,           -- ms since the epoch
      value REAL NOT NULL,
      PRIMARY KEY (series_id, time)
    ) WITHOUT ROWID;
    CREATE INDEX metric_samples_time ON metric_samples(time);
    CREATE TABLE metric_rollups (
      series_id INTEGER NOT NULL,
      bucket INTEGER NOT NULL,         -- start of the minute, ms since the epoch
      min REAL NOT NULL,
      max REAL NOT NULL,
      sum REAL NOT NULL,
      count INTEGER NOT NULL,
      last REAL NOT NULL,
      last_time INTEGER NOT NULL,
      PRIMARY KEY (series_id, bucket)
    ) WITHOUT ROWID;
    CREATE INDEX metric_rollups_bucket ON metric_rollups(bucket);
  `,
});

export interface SeriesStoreOptions {
  /** How long raw samples are kept. @default 3_600_000 (1 hour) */
  rawRetentionMs?: number;
  /** How long 1-minute roll-ups are kept. @default 604_800_000 (7 days) */
  rollupRetentionMs?: number;
}

/** One roll-up row, as `rollups()` returns it. */
export interface RollupRow {
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

interface SeriesRow {
  id: number;
  node_id: string;
  instance_id: string;
  metric: string;
}

interface Fold {
  seriesId: number;
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  lastTime: number;
}

type Aggregation = NonNullable<MetricQuery['aggregation']>;

/** Raw samples and roll-ups of every deployment's metrics. */
export class SeriesStore {
  readonly rawRetentionMs: number;
  readonly rollupRetentionMs: number;
  private readonly seriesIds = new Map<string, number>();
  private readonly stmts: {
    findSeries: BetterSqlite3.Statement;
    insertSeries: BetterSqlite3.Statement;
    insertSample: BetterSqlite3.Statement;
    upsertRollup: BetterSqlite3.Statement;
  };

  constructor(
    private readonly db: BetterSqlite3.Database,
    options: SeriesStoreOptions = {},
  ) {
    this.rawRetentionMs = options.rawRetentionMs ?? 3_600_000;
    this.rollupRetentionMs = options.rollupRetentionMs ?? 7 * 24 * 3_600_000;
    if (!(this.rawRetentionMs > 0) || !(this.rollupRetentionMs >= this.rawRetentionMs))
      throw new Error('metric retention: raw must be > 0 and roll-ups at least as long as raw');
    this.stmts = {
      findSeries: db.prepare('SELECT id FROM metric_series WHERE deployment_id = ? AND metric = ? AND instance_id = ?'),
      insertSeries: db.prepare('INSERT INTO metric_series (deployment_id, node_id, instance_id, metric) VALUES (?, ?, ?, ?)'),
      // A second sample at the same millisecond replaces the first (a re-scrape, not new data).
      insertSample: db.prepare('INSERT OR REPLACE INTO metric_samples (series_id, time, value) VALUES (?, ?, ?)'),
      upsertRollup: db.prepare(`
        INSERT INTO metric_rollups (series_id, bucket, min, max, sum, count, last, last_time)
        VALUES (@seriesId, @bucket, @min, @max, @sum, @count, @last, @lastTime)
        ON CONFLICT (series_id, bucket) DO UPDATE SET
          min = min(min, excluded.min),
          max = max(max, excluded.max),
          sum = sum + excluded.sum,
          count = count + excluded.count,
          last = CASE WHEN excluded.last_time >= last_time THEN excluded.last ELSE last END,
          last_time = max(last_time, excluded.last_time)`),
    };
  }

  /**
   * Stores a batch of samples in one transaction (raw rows and roll-up updates).
   * Non-finite values are dropped (SQLite has no NaN; +Inf would poison averages).
   * Returns how many samples were stored.
   */
  ingest(samples: readonly MetricSample[]): number {
    if (!samples.length) return 0;
    let stored = 0;
    const run = this.db.transaction(() => {
      const folds = new Map<string, Fold>();
      for (const s of samples) {
        if (!Number.isFinite(s.value) || !Number.isFinite(s.time)) continue;
        const seriesId = this.seriesId(s.deploymentId, s.nodeId, s.instanceId, s.metric);
        const time = Math.round(s.time);
        this.stmts.insertSample.run(seriesId, time, s.value);
        stored++;
        const bucket = time - (time % ROLLUP_MS);
        const key = `${seriesId}:${bucket}`;
        const f = folds.get(key);
        if (!f) folds.set(key, { seriesId, bucket, min: s.value, max: s.value, sum: s.value, count: 1, last: s.value, lastTime: time });
        else {
          f.min = Math.min(f.min, s.value);
          f.max = Math.max(f.max, s.value);
          f.sum += s.value;
          f.count++;
          if (time >= f.lastTime) {
            f.last = s.value;
            f.lastTime = time;
          }
        }
      }
      for (const f of folds.values()) this.stmts.upsertRollup.run(f);
    });
    // Joins the caller's transaction when there is one (better-sqlite3 nests as savepoints).
    if (this.db.inTransaction) run();
    else run.immediate();
    return stored;
  }

  /** Drops raw samples and roll-ups past their retention. Returns the rows deleted. */
  prune(now: number): { samples: number; rollups: number } {
    const samples = this.db.prepare('DELETE FROM metric_samples WHERE time < ?').run(now - this.rawRetentionMs).changes;
    const rollups = this.db.prepare('DELETE FROM metric_rollups WHERE bucket < ?').run(now - this.rollupRetentionMs).changes;
    // Live `metric` events are a feed, not the record (the series are): they follow the raw
    // retention, or the events table would grow by every sample ever collected.
    this.db.prepare("DELETE FROM events WHERE type = 'metric' AND time < ?").run(new Date(now - this.rawRetentionMs).toISOString());
    // Policy `hold` decisions (level debug, one per policy per interval) follow the roll-ups:
    // the charts that explain them are gone after that. Actions and skips are kept.
    this.db.prepare("DELETE FROM events WHERE type = 'policy' AND level = 'debug' AND time < ?").run(new Date(now - this.rollupRetentionMs).toISOString());
    // Series with no data left (e.g. removed instances) go too, so metric lists stay current.
    this.db.exec(`DELETE FROM metric_series WHERE id NOT IN (SELECT series_id FROM metric_rollups)
                  AND id NOT IN (SELECT series_id FROM metric_samples)`);
    this.seriesIds.clear();
    return { samples, rollups };
  }

  /** Forgets every series of a deployment (when it is deleted). */
  deleteDeployment(deploymentId: string): void {
    this.db.transaction(() => {
      const sub = 'SELECT id FROM metric_series WHERE deployment_id = ?';
      this.db.prepare(`DELETE FROM metric_samples WHERE series_id IN (${sub})`).run(deploymentId);
      this.db.prepare(`DELETE FROM metric_rollups WHERE series_id IN (${sub})`).run(deploymentId);
      this.db.prepare('DELETE FROM metric_series WHERE deployment_id = ?').run(deploymentId);
    })();
    this.seriesIds.clear();
  }

  /** The metrics a deployment has, with the nodes that report each. */
  list(deploymentId: string): { metric: string; nodeIds: string[] }[] {
    const rows = this.db
      .prepare('SELECT DISTINCT metric, node_id FROM metric_series WHERE deployment_id = ? ORDER BY metric, node_id')
      .all(deploymentId) as { metric: string; node_id: string }[];
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const list = out.get(r.metric) ?? [];
      list.push(r.node_id);
      out.set(r.metric, list);
    }
    return [...out].map(([metric, nodeIds]) => ({ metric, nodeIds }));
  }

  /** Raw samples of one metric for the given instances (all when absent), time >= from. */
  rawSince(deploymentId: string, metric: string, from: number, instanceIds?: readonly string[]): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of this.series({ deploymentId, metric }, instanceIds)) {
      const rows = this.db
        .prepare('SELECT time, value FROM metric_samples WHERE series_id = ? AND time >= ? ORDER BY time')
        .all(s.id, from) as { time: number; value: number }[];
      for (const r of rows) out.push({ deploymentId, nodeId: s.node_id, instanceId: s.instance_id, metric, time: r.time, value: r.value });
    }
    return out;
  }

  /** Roll-up rows of one series (for tests and the charts' long windows). */
  rollups(deploymentId: string, instanceId: string, metric: string, from = 0, to = Number.MAX_SAFE_INTEGER): RollupRow[] {
    const id = this.stmts.findSeries.pluck().get(deploymentId, metric, instanceId) as number | undefined;
    if (id === undefined) return [];
    return this.db
      .prepare('SELECT bucket, min, max, sum, count, last FROM metric_rollups WHERE series_id = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket')
      .all(id, from, to) as RollupRow[];
  }

  /**
   * One series per instance. Without `stepMs`: the raw points (roll-up averages per
   * minute when the range reaches past the raw retention). With `stepMs`: one point per
   * step-aligned bucket that has data, combined by `aggregation` (default avg); `rate` is
   * the per-second increase of the series' last values between consecutive buckets.
   */
  query(q: MetricQuery, now: number): MetricSeries[] {
    if (!(q.to >= q.from)) throw new RangeError('metric query: `to` must not be before `from`');
    if (q.stepMs !== undefined && !(q.stepMs > 0)) throw new RangeError('metric query: stepMs must be positive');
    const agg: Aggregation = q.aggregation ?? 'avg';
    const rawCovers = q.from >= now - this.rawRetentionMs;
    const useRollups = !rawCovers || (q.stepMs !== undefined && q.stepMs >= ROLLUP_MS && q.stepMs % ROLLUP_MS === 0);
    const out: MetricSeries[] = [];
    for (const s of this.series(q, q.instanceId !== undefined ? [q.instanceId] : undefined)) {
      let points: { time: number; value: number }[];
      if (!useRollups) {
        const rows = this.db
          .prepare('SELECT time, value FROM metric_samples WHERE series_id = ? AND time >= ? AND time <= ? ORDER BY time')
          .all(s.id, q.from, q.to) as { time: number; value: number }[];
        points = q.stepMs === undefined ? rows : bucketRaw(rows, q.from, q.stepMs, agg);
      } else {
        const rows = this.db
          .prepare('SELECT bucket, min, max, sum, count, last FROM metric_rollups WHERE series_id = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket')
          .all(s.id, q.from - (q.from % ROLLUP_MS), q.to) as RollupRow[];
        points = bucketRollups(rows, q.from, q.stepMs ?? ROLLUP_MS, agg);
      }
      out.push({ instanceId: s.instance_id, nodeId: s.node_id, metric: s.metric, points });
    }
    return out;
  }

  private series(q: { deploymentId: string; metric: string; nodeId?: string }, instanceIds?: readonly string[]): SeriesRow[] {
    let rows = this.db
      .prepare('SELECT id, node_id, instance_id, metric FROM metric_series WHERE deployment_id = ? AND metric = ? ORDER BY instance_id')
      .all(q.deploymentId, q.metric) as SeriesRow[];
    if (q.nodeId !== undefined) rows = rows.filter((r) => r.node_id === q.nodeId);
    if (instanceIds) {
      const wanted = new Set(instanceIds);
      rows = rows.filter((r) => wanted.has(r.instance_id));
    }
    return rows;
  }

  private seriesId(deploymentId: string, nodeId: string, instanceId: string, metric: string): number {
    const key = `${deploymentId}\u0000${instanceId}\u0000${metric}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      id = this.stmts.findSeries.pluck().get(deploymentId, metric, instanceId) as number | undefined;
      id ??= Number(this.stmts.insertSeries.run(deploymentId, nodeId, instanceId, metric).lastInsertRowid);
      this.seriesIds.set(key, id);
    }
    return id;
  }
}

interface Bucket {
  time: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

function pointsOf(buckets: Map<number, Bucket>, agg: Aggregation): { time: number; value: number }[] {
  const sorted = [...buckets.values()].sort((a, b) => a.time - b.time);
  if (agg === 'rate') {
    const out: { time: number; value: number }[] = [];
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      // A counter reset (value went down) restarts from zero, as Prometheus' rate() does.
      const delta = cur.last >= prev.last ? cur.last - prev.last : cur.last;
      out.push({ time: cur.time, value: delta / ((cur.time - prev.time) / 1000) });
    }
    return out;
  }
  return sorted.map((b) => ({
    time: b.time,
    value: agg === 'min' ? b.min : agg === 'max' ? b.max : agg === 'sum' ? b.sum : agg === 'last' ? b.last : b.sum / b.count,
  }));
}

function bucketRaw(rows: readonly { time: number; value: number }[], from: number, stepMs: number, agg: Aggregation): { time: number; value: number }[] {
  const buckets = new Map<number, Bucket>();
  for (const r of rows) {
    const t = from + Math.floor((r.time - from) / stepMs) * stepMs;
    const b = buckets.get(t);
    if (!b) buckets.set(t, { time: t, min: r.value, max: r.value, sum: r.value, count: 1, last: r.value });
    else {
      b.min = Math.min(b.min, r.value);
      b.max = Math.max(b.max, r.value);
      b.sum += r.value;
      b.count++;
      b.last = r.value; // rows come ordered by time
    }
  }
  return pointsOf(buckets, agg);
}

function bucketRollups(rows: readonly RollupRow[], from: number, stepMs: number, agg: Aggregation): { time: number; value: number }[] {
  // Roll-ups are whole minutes: align output buckets to minutes too.
  const step = Math.max(ROLLUP_MS, Math.round(stepMs / ROLLUP_MS) * ROLLUP_MS);
  const origin = from - (from % ROLLUP_MS);
  const buckets = new Map<number, Bucket>();
  for (const r of rows) {
    const t = origin + Math.floor((r.bucket - origin) / step) * step;
    const b = buckets.get(t);
    if (!b) buckets.set(t, { time: t, min: r.min, max: r.max, sum: r.sum, count: r.count, last: r.last });
    else {
      b.min = Math.min(b.min, r.min);
      b.max = Math.max(b.max, r.max);
      b.sum += r.sum;
      b.count += r.count;
      b.last = r.last; // rows come ordered by bucket
    }
  }
  return pointsOf(buckets, agg);
}
