/**
 * The engine's persistent state: one SQLite database (better-sqlite3, WAL) in the Trellis
 * home folder, with small typed helpers per table. Every write is a synchronous statement
 * (or transaction) that is committed when the helper returns, so a caller that awaits
 * nothing between a write and its next step has journaled that step.
 *
 * Durability: WAL with `synchronous = NORMAL` survives the engine process being killed at
 * any point (committed transactions are in the WAL file); only an OS crash or power loss
 * can lose the last transactions. That is the trade-off SQLite documents for WAL mode.
 */
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan, PlanNodeInstance, PlanRelationshipInstance, Value } from '../dsl/plan-model';
import type { ModelInstance } from '../model/deployment-model';
import type {
  DeploymentStatus,
  EventQuery,
  ExecutionStatus,
  HostEvent,
  TaskStatus,
} from '../host/contract';
import { allMigrations, migrate, type Migration } from './migrations';

export interface StoreOptions {
  /** The Trellis home folder; the database is `<home>/trellis.db`. */
  home: string;
  /** Migrations beyond the core and registered ones. */
  migrations?: readonly Migration[];
  /** Milliseconds to wait for another process's write lock. @default 5000 */
  busyTimeoutMs?: number;
}

/** Thrown when an instance was changed by someone else since it was read. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly instanceId: string,
    readonly expected: number,
    readonly actual: number | undefined,
  ) {
    super(
      actual === undefined
        ? `node instance ${instanceId} no longer exists`
        : `node instance ${instanceId} changed (version ${actual}, expected ${expected})`,
    );
  }
}

export interface BlueprintRecord {
  id: string;
  mainFile: string;
  text: string;
  hash: string;
  sources: Record<string, string>;
  createdAt: string;
}

export interface DeploymentRecord {
  id: string;
  blueprintId: string;
  blueprintFile: string;
  inputs: Record<string, Value>;
  status: DeploymentStatus;
  plan: Plan;
  policiesPaused: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface InstanceRecord extends ModelInstance {
  deploymentId: string;
  lastError?: string;
}

export interface ExecutionRecord {
  id: string;
  deploymentId: string;
  workflow: string;
  parameters: Record<string, Value>;
  status: ExecutionStatus;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  error?: string;
  triggeredBy: string;
  dryRun: boolean;
  /** JSON TaskGraph. */
  graph?: unknown;
  /** JSON ModelModification. */
  modification?: unknown;
  ownerPid?: number;
  interrupted: boolean;
  /** Number of tasks in the graph (0 until the graph is built). */
  taskTotal: number;
}

export interface TaskRecord {
  executionId: string;
  id: string;
  status: TaskStatus;
  attempts: number;
  lastError?: string;
  startedAt?: string;
  endedAt?: string;
  result?: Value;
}

export interface SecretRef {
  name: string;
  store: string;
  createdAt: string;
  updatedAt: string;
}

/** An event before the store gives it a seq. */
export type NewEvent = HostEvent extends infer E ? (E extends HostEvent ? Omit<E, 'seq'> : never) : never;

const now = (): string => new Date().toISOString();
const json = (v: unknown): string => JSON.stringify(v ?? null);
const parse = <T>(s: string | null | undefined): T | undefined =>
  s === null || s === undefined ? undefined : (JSON.parse(s) as T);
const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

interface InstanceRow {
  deployment_id: string;
  id: string;
  node_id: string;
  state: string;
  container_id: string | null;
  host_id: string | null;
  scaling_groups: string;
  runtime_properties: string;
  version: number;
  last_error: string | null;
}
interface RelRow {
  source_id: string;
  idx: number;
  type: string;
  kind: PlanRelationshipInstance['kind'];
  target_node: string;
  target_id: string;
}
interface ExecutionRow {
  id: string;
  deployment_id: string;
  workflow: string;
  parameters: string;
  status: ExecutionStatus;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
  triggered_by: string;
  dry_run: number;
  graph: string | null;
  modification: string | null;
  owner_pid: number | null;
  interrupted: number;
  task_total: number;
}
interface TaskRow {
  execution_id: string;
  id: string;
  status: TaskStatus;
  attempts: number;
  last_error: string | null;
  started_at: string | null;
  ended_at: string | null;
  result: string | null;
}
interface EventRow {
  seq: number;
  time: string;
  type: string;
  level: string;
  deployment_id: string | null;
  execution_id: string | null;
  node_id: string | null;
  instance_id: string | null;
  message: string;
  data: string;
}

const EVENT_COLUMNS = new Set([
  'seq',
  'time',
  'type',
  'level',
  'deploymentId',
  'executionId',
  'nodeId',
  'instanceId',
  'message',
]);

/** Opens (creating if needed) the store in `options.home` and applies pending migrations. */
export function openStore(options: StoreOptions): Store {
  mkdirSync(options.home, { recursive: true });
  const db = new Database(join(options.home, 'trellis.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Checkpoint every ~40 MB of WAL instead of 4 MB: checkpoints fsync, and a long install
  // journals many small transactions.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  migrate(db, allMigrations(options.migrations));
  return new Store(db);
}

/** Typed access to the tables. Synchronous: better-sqlite3 commits before returning. */
export class Store {
  private readonly stmts = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly db: BetterSqlite3.Database) {}

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in one IMMEDIATE transaction (takes the write lock up front, so concurrent
   * engine processes serialise instead of failing on lock upgrade). Nested calls join. */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn).immediate();
  }

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  // -------------------------------------------------------------------------------------
  // Blueprints

  /** Stores a blueprint snapshot; the id is derived from the content hash unless given. */
  putBlueprint(input: { id?: string; mainFile: string; text: string; sources: Record<string, string> }): BlueprintRecord {
    const hash = createHash('sha256')
      .update(input.mainFile)
      .update('\0')
      .update(json(input.sources))
      .update('\0')
      .update(input.text)
      .digest('hex');
    const id = input.id ?? `bp_${hash.slice(0, 16)}`;
    const existing = this.getBlueprint(id);
    if (existing) return existing;
    const record: BlueprintRecord = { id, mainFile: input.mainFile, text: input.text, hash, sources: input.sources, createdAt: now() };
    this.stmt('INSERT INTO blueprints (id, main_file, text, hash, sources, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      id,
      record.mainFile,
      record.text,
      hash,
      json(record.sources),
      record.createdAt,
    );
    return record;
  }

  getBlueprint(id: string): BlueprintRecord | undefined {
    const row = this.stmt('SELECT * FROM blueprints WHERE id = ?').get(id) as
      | { id: string; main_file: string; text: string; hash: string; sources: string; created_at: string }
      | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      mainFile: row.main_file,
      text: row.text,
      hash: row.hash,
      sources: parse<Record<string, string>>(row.sources) ?? {},
      createdAt: row.created_at,
    };
  }

  // -------------------------------------------------------------------------------------
  // Deployments

  insertDeployment(d: Omit<DeploymentRecord, 'createdAt' | 'updatedAt' | 'policiesPaused'> & { policiesPaused?: boolean }): DeploymentRecord {
    const t = now();
    this.stmt(
      `INSERT INTO deployments (id, blueprint_id, blueprint_file, inputs, status, plan, policies_paused, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(d.id, d.blueprintId, d.blueprintFile, json(d.inputs), d.status, json(d.plan), d.policiesPaused ? 1 : 0, t, t);
    return { ...d, policiesPaused: d.policiesPaused ?? false, createdAt: t, updatedAt: t };
  }

  getDeployment(id: string): DeploymentRecord | undefined {
    const row = this.stmt('SELECT * FROM deployments WHERE id = ?').get(id) as DeploymentRow | undefined;
    return row ? toDeployment(row) : undefined;
  }

  listDeployments(): DeploymentRecord[] {
    return (this.stmt('SELECT * FROM deployments ORDER BY created_at, id').all() as DeploymentRow[]).map(toDeployment);
  }

  updateDeployment(id: string, patch: { status?: DeploymentStatus; policiesPaused?: boolean; plan?: Plan }): void {
    const cur = this.getDeployment(id);
    if (!cur) throw new Error(`no deployment ${id}`);
    this.stmt('UPDATE deployments SET status = ?, policies_paused = ?, plan = ?, updated_at = ? WHERE id = ?').run(
      patch.status ?? cur.status,
      (patch.policiesPaused ?? cur.policiesPaused) ? 1 : 0,
      patch.plan ? json(patch.plan) : json(cur.plan),
      now(),
      id,
    );
  }

  /** Deletes a deployment with its instances, executions, tasks and events. */
  deleteDeployment(id: string): void {
    this.transaction(() => {
      this.stmt('DELETE FROM relationship_instances WHERE deployment_id = ?').run(id);
      this.stmt('DELETE FROM node_instances WHERE deployment_id = ?').run(id);
      this.stmt('DELETE FROM tasks WHERE execution_id IN (SELECT id FROM executions WHERE deployment_id = ?)').run(id);
      this.stmt('DELETE FROM executions WHERE deployment_id = ?').run(id);
      this.stmt('DELETE FROM events WHERE deployment_id = ?').run(id);
      this.stmt('DELETE FROM deployments WHERE id = ?').run(id);
    });
  }

  // -------------------------------------------------------------------------------------
  // Node instances and relationship instances

  /** Inserts instances (with their relationship instances) in one transaction. */
  insertInstances(deploymentId: string, instances: readonly ModelInstance[]): void {
    const ins = this.stmt(
      `INSERT INTO node_instances (deployment_id, id, node_id, state, container_id, host_id, scaling_groups,
         runtime_properties, version, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    );
    this.transaction(() => {
      for (const i of instances) {
        ins.run(
          deploymentId,
          i.id,
          i.node,
          i.state,
          i.containerId ?? null,
          i.hostId ?? null,
          json(i.scalingGroups),
          json(i.runtimeProperties),
          i.version,
        );
        for (const r of i.relationships) this.addRelationship(deploymentId, i.id, r);
      }
    });
  }

  addRelationship(deploymentId: string, sourceId: string, r: PlanRelationshipInstance): void {
    this.stmt(
      `INSERT OR IGNORE INTO relationship_instances (deployment_id, source_id, idx, type, kind, target_node, target_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(deploymentId, sourceId, r.index, r.type, r.kind, r.targetNode, r.targetId);
  }

  removeRelationship(deploymentId: string, sourceId: string, targetId: string): void {
    this.stmt('DELETE FROM relationship_instances WHERE deployment_id = ? AND source_id = ? AND target_id = ?').run(
      deploymentId,
      sourceId,
      targetId,
    );
  }

  deleteInstances(deploymentId: string, ids: readonly string[]): void {
    this.transaction(() => {
      for (const id of ids) {
        this.stmt('DELETE FROM relationship_instances WHERE deployment_id = ? AND (source_id = ? OR target_id = ?)').run(
          deploymentId,
          id,
          id,
        );
        this.stmt('DELETE FROM node_instances WHERE deployment_id = ? AND id = ?').run(deploymentId, id);
      }
    });
  }

  listInstances(deploymentId: string, nodeId?: string): InstanceRecord[] {
    const rows = (
      nodeId === undefined
        ? this.stmt('SELECT * FROM node_instances WHERE deployment_id = ? ORDER BY rowid').all(deploymentId)
        : this.stmt('SELECT * FROM node_instances WHERE deployment_id = ? AND node_id = ? ORDER BY rowid').all(deploymentId, nodeId)
    ) as InstanceRow[];
    const rels = this.stmt(
      'SELECT source_id, idx, type, kind, target_node, target_id FROM relationship_instances WHERE deployment_id = ? ORDER BY source_id, idx, rowid',
    ).all(deploymentId) as RelRow[];
    const bySource = new Map<string, PlanRelationshipInstance[]>();
    for (const r of rels) {
      let list = bySource.get(r.source_id);
      if (!list) bySource.set(r.source_id, (list = []));
      list.push(toRel(r));
    }
    return rows.map((row) => toInstance(row, bySource.get(row.id) ?? []));
  }

  getInstance(deploymentId: string, id: string): InstanceRecord | undefined {
    const row = this.stmt('SELECT * FROM node_instances WHERE deployment_id = ? AND id = ?').get(deploymentId, id) as
      | InstanceRow
      | undefined;
    if (!row) return undefined;
    const rels = this.stmt(
      'SELECT source_id, idx, type, kind, target_node, target_id FROM relationship_instances WHERE deployment_id = ? AND source_id = ? ORDER BY idx, rowid',
    ).all(deploymentId, id) as RelRow[];
    return toInstance(row, rels.map(toRel));
  }

  /** Instance counts by lifecycle state. */
  instanceStateCounts(deploymentId: string): Record<string, number> {
    const rows = this.stmt('SELECT state, COUNT(*) AS n FROM node_instances WHERE deployment_id = ? GROUP BY state').all(deploymentId) as {
      state: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Current version of an instance (undefined when it does not exist). */
  instanceVersion(deploymentId: string, id: string): number | undefined {
    return this.stmt('SELECT version FROM node_instances WHERE deployment_id = ? AND id = ?')
      .pluck()
      .get(deploymentId, id) as number | undefined;
  }

  /**
   * Optimistic update: applies `patch` only if the instance is still at `expectedVersion`,
   * else throws VersionConflictError. Returns the new version.
   */
  updateInstance(
    deploymentId: string,
    id: string,
    expectedVersion: number,
    patch: { state?: string; runtimeProperties?: Record<string, Value>; lastError?: string | null },
  ): number {
    const sets: string[] = ['version = version + 1'];
    const args: unknown[] = [];
    if (patch.state !== undefined) {
      sets.push('state = ?');
      args.push(patch.state);
    }
    if (patch.runtimeProperties !== undefined) {
      sets.push('runtime_properties = ?');
      args.push(json(patch.runtimeProperties));
    }
    if (patch.lastError !== undefined) {
      sets.push('last_error = ?');
      args.push(patch.lastError);
    }
    const res = this.db
      .prepare(`UPDATE node_instances SET ${sets.join(', ')} WHERE deployment_id = ? AND id = ? AND version = ?`)
      .run(...args, deploymentId, id, expectedVersion);
    if (res.changes === 0) throw new VersionConflictError(id, expectedVersion, this.instanceVersion(deploymentId, id));
    return expectedVersion + 1;
  }

  /**
   * Applies key-level changes to an instance's runtime properties on top of whatever is
   * stored now (a key mapped to `undefined` is deleted). Concurrent writers of different
   * keys (two relationship operations on one target) therefore never lose each other's
   * writes. Returns the new properties and version.
   */
  mergeRuntimeProperties(
    deploymentId: string,
    id: string,
    changes: Record<string, Value | undefined>,
  ): { runtimeProperties: Record<string, Value>; version: number } {
    return this.transaction(() => {
      const row = this.stmt('SELECT runtime_properties, version FROM node_instances WHERE deployment_id = ? AND id = ?').get(
        deploymentId,
        id,
      ) as { runtime_properties: string; version: number } | undefined;
      if (!row) throw new VersionConflictError(id, -1, undefined);
      const props = parse<Record<string, Value>>(row.runtime_properties) ?? {};
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) delete props[k];
        else props[k] = v;
      }
      const version = this.updateInstance(deploymentId, id, row.version, { runtimeProperties: props });
      return { runtimeProperties: props, version };
    });
  }

  /** Sets an instance's lifecycle state; returns the previous state. */
  setInstanceState(deploymentId: string, id: string, state: string, lastError?: string | null): string | undefined {
    const prev = this.stmt('SELECT state FROM node_instances WHERE deployment_id = ? AND id = ?')
      .pluck()
      .get(deploymentId, id) as string | undefined;
    if (prev === undefined) return undefined;
    this.stmt(
      'UPDATE node_instances SET state = ?, last_error = COALESCE(?, last_error), version = version + 1 WHERE deployment_id = ? AND id = ?',
    ).run(state, lastError ?? null, deploymentId, id);
    return prev;
  }

  setInstanceError(deploymentId: string, id: string, error: string | null): void {
    this.stmt('UPDATE node_instances SET last_error = ?, version = version + 1 WHERE deployment_id = ? AND id = ?').run(
      error,
      deploymentId,
      id,
    );
  }

  // -------------------------------------------------------------------------------------
  // Executions and tasks

  insertExecution(e: Omit<ExecutionRecord, 'createdAt' | 'interrupted' | 'taskTotal'>): ExecutionRecord {
    const createdAt = now();
    const taskTotal = taskTotalOf(e.graph);
    this.stmt(
      `INSERT INTO executions (id, deployment_id, workflow, parameters, status, created_at, started_at, ended_at, error,
         triggered_by, dry_run, graph, modification, owner_pid, interrupted, task_total)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
    ).run(
      e.id,
      e.deploymentId,
      e.workflow,
      json(e.parameters),
      e.status,
      createdAt,
      e.startedAt ?? null,
      e.endedAt ?? null,
      e.error ?? null,
      e.triggeredBy,
      e.dryRun ? 1 : 0,
      e.graph === undefined ? null : json(e.graph),
      e.modification === undefined ? null : json(e.modification),
      e.ownerPid ?? null,
      taskTotal,
    );
    return { ...e, createdAt, interrupted: false, taskTotal };
  }

  /** An execution; `withGraph: false` skips parsing the (possibly large) graph JSON. */
  getExecution(id: string, options: { withGraph?: boolean } = {}): ExecutionRecord | undefined {
    const sql =
      options.withGraph === false
        ? `SELECT id, deployment_id, workflow, parameters, status, created_at, started_at, ended_at, error, triggered_by,
             dry_run, NULL AS graph, modification, owner_pid, interrupted, task_total FROM executions WHERE id = ?`
        : 'SELECT * FROM executions WHERE id = ?';
    const row = this.stmt(sql).get(id) as ExecutionRow | undefined;
    return row ? toExecution(row) : undefined;
  }

  /** Just the status of an execution (cheap: polled while executions run). */
  executionStatus(id: string): ExecutionStatus | undefined {
    return this.stmt('SELECT status FROM executions WHERE id = ?').pluck().get(id) as ExecutionStatus | undefined;
  }

  /** Executions, newest last; without graphs (they can be large). */
  listExecutions(filter: { deploymentId?: string; statuses?: readonly ExecutionStatus[] } = {}): ExecutionRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.deploymentId !== undefined) {
      where.push('deployment_id = ?');
      args.push(filter.deploymentId);
    }
    if (filter.statuses) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      args.push(...filter.statuses);
    }
    const sql = `SELECT id, deployment_id, workflow, parameters, status, created_at, started_at, ended_at, error,
        triggered_by, dry_run, NULL AS graph, NULL AS modification, owner_pid, interrupted, task_total
      FROM executions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid`;
    return (this.db.prepare(sql).all(...args) as ExecutionRow[]).map(toExecution);
  }

  updateExecution(
    id: string,
    patch: Partial<Pick<ExecutionRecord, 'status' | 'startedAt' | 'endedAt' | 'error' | 'graph' | 'modification' | 'ownerPid' | 'interrupted'>>,
  ): void {
    const cols: Record<string, string> = {
      status: 'status',
      startedAt: 'started_at',
      endedAt: 'ended_at',
      error: 'error',
      graph: 'graph',
      modification: 'modification',
      ownerPid: 'owner_pid',
      interrupted: 'interrupted',
    };
    const sets: string[] = [];
    const args: unknown[] = [];
    for (const [key, value] of Object.entries(patch)) {
      const col = cols[key];
      if (!col) continue;
      sets.push(`${col} = ?`);
      if (key === 'graph') {
        sets.push('task_total = ?');
        args.push(value === undefined ? null : json(value), taskTotalOf(value));
        continue;
      }
      if (key === 'modification') args.push(value === undefined ? null : json(value));
      else if (key === 'interrupted') args.push(value ? 1 : 0);
      else args.push(value ?? null);
    }
    if (!sets.length) return;
    this.db.prepare(`UPDATE executions SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  /** Inserts or updates one task's journal row. */
  putTask(t: TaskRecord): void {
    this.stmt(
      `INSERT INTO tasks (execution_id, id, status, attempts, last_error, started_at, ended_at, result)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (execution_id, id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         last_error = excluded.last_error, started_at = excluded.started_at, ended_at = excluded.ended_at,
         result = excluded.result`,
    ).run(
      t.executionId,
      t.id,
      t.status,
      t.attempts,
      t.lastError ?? null,
      t.startedAt ?? null,
      t.endedAt ?? null,
      t.result === undefined ? null : json(t.result),
    );
  }

  /** Journal rows of an execution (tasks that never changed state have none: pending). */
  listTasks(executionId: string): TaskRecord[] {
    return (this.stmt('SELECT * FROM tasks WHERE execution_id = ?').all(executionId) as TaskRow[]).map((r) => {
      const t: TaskRecord = { executionId: r.execution_id, id: r.id, status: r.status, attempts: r.attempts };
      if (r.last_error !== null) t.lastError = r.last_error;
      if (r.started_at !== null) t.startedAt = r.started_at;
      if (r.ended_at !== null) t.endedAt = r.ended_at;
      if (r.result !== null) t.result = parse<Value>(r.result) ?? null;
      return t;
    });
  }

  taskCounts(executionId: string): Record<string, number> {
    const rows = this.stmt('SELECT status, COUNT(*) AS n FROM tasks WHERE execution_id = ? GROUP BY status').all(executionId) as {
      status: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  // -------------------------------------------------------------------------------------
  // Events

  /** Appends an event; returns it with its seq. */
  appendEvent(event: NewEvent): HostEvent {
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(event)) if (!EVENT_COLUMNS.has(k) && v !== undefined) data[k] = v;
    const res = this.stmt(
      `INSERT INTO events (time, type, level, deployment_id, execution_id, node_id, instance_id, message, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      event.time,
      event.type,
      event.level,
      event.deploymentId ?? null,
      event.executionId ?? null,
      event.nodeId ?? null,
      event.instanceId ?? null,
      event.message,
      JSON.stringify(data),
    );
    return { ...event, seq: Number(res.lastInsertRowid) };
  }

  /** Events matching the query, ascending by seq. @default limit 1000 */
  queryEvents(q: EventQuery): HostEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const eq = (col: string, v: string | undefined): void => {
      if (v === undefined) return;
      where.push(`${col} = ?`);
      args.push(v);
    };
    eq('deployment_id', q.deploymentId);
    eq('execution_id', q.executionId);
    eq('node_id', q.nodeId);
    eq('instance_id', q.instanceId);
    if (q.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(q.afterSeq);
    }
    if (q.levels?.length) {
      where.push(`level IN (${q.levels.map(() => '?').join(', ')})`);
      args.push(...q.levels);
    }
    if (q.types?.length) {
      where.push(`type IN (${q.types.map(() => '?').join(', ')})`);
      args.push(...q.types);
    }
    if (q.text) {
      where.push(`message LIKE ? ESCAPE '\\'`);
      args.push(`%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`;
    args.push(q.limit ?? 1000);
    return (this.db.prepare(sql).all(...args) as EventRow[]).map(toEvent);
  }

  lastEventSeq(): number {
    return (this.stmt('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get() as number) ?? 0;
  }

  // -------------------------------------------------------------------------------------
  // Secret references (values live in a SecretStore)

  putSecretRef(name: string, store: string): void {
    const t = now();
    this.stmt(
      `INSERT INTO secrets (name, store, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET store = excluded.store, updated_at = excluded.updated_at`,
    ).run(name, store, t, t);
  }

  getSecretRef(name: string): SecretRef | undefined {
    const row = this.stmt('SELECT * FROM secrets WHERE name = ?').get(name) as
      | { name: string; store: string; created_at: string; updated_at: string }
      | undefined;
    return row ? { name: row.name, store: row.store, createdAt: row.created_at, updatedAt: row.updated_at } : undefined;
  }

  listSecretRefs(): SecretRef[] {
    return (this.stmt('SELECT * FROM secrets ORDER BY name').all() as { name: string; store: string; created_at: string; updated_at: string }[]).map(
      (row) => ({ name: row.name, store: row.store, createdAt: row.created_at, updatedAt: row.updated_at }),
    );
  }

  deleteSecretRef(name: string): void {
    this.stmt('DELETE FROM secrets WHERE name = ?').run(name);
  }
}

interface DeploymentRow {
  id: string;
  blueprint_id: string;
  blueprint_file: string;
  inputs: string;
  status: DeploymentStatus;
  plan: string;
  policies_paused: number;
  created_at: string;
  updated_at: string;
}

function toDeployment(row: DeploymentRow): DeploymentRecord {
  return {
    id: row.id,
    blueprintId: row.blueprint_id,
    blueprintFile: row.blueprint_file,
    inputs: parse<Record<string, Value>>(row.inputs) ?? {},
    status: row.status,
    plan: parse<Plan>(row.plan) as Plan,
    policiesPaused: row.policies_paused === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRel(r: RelRow): PlanRelationshipInstance {
  return { index: r.idx, type: r.type, kind: r.kind, targetNode: r.target_node, targetId: r.target_id };
}

function toInstance(row: InstanceRow, relationships: PlanNodeInstance['relationships']): InstanceRecord {
  const inst: InstanceRecord = {
    deploymentId: row.deployment_id,
    id: row.id,
    node: row.node_id,
    state: row.state,
    scalingGroups: parse<PlanNodeInstance['scalingGroups']>(row.scaling_groups) ?? [],
    relationships,
    runtimeProperties: parse<Record<string, Value>>(row.runtime_properties) ?? {},
    version: row.version,
  };
  if (row.container_id !== null) inst.containerId = row.container_id;
  if (row.host_id !== null) inst.hostId = row.host_id;
  if (row.last_error !== null) inst.lastError = row.last_error;
  return inst;
}

function toExecution(row: ExecutionRow): ExecutionRecord {
  const e: ExecutionRecord = {
    id: row.id,
    deploymentId: row.deployment_id,
    workflow: row.workflow,
    parameters: parse<Record<string, Value>>(row.parameters) ?? {},
    status: row.status,
    createdAt: row.created_at,
    triggeredBy: row.triggered_by,
    dryRun: row.dry_run === 1,
    interrupted: row.interrupted === 1,
    taskTotal: row.task_total,
  };
  if (row.started_at !== null) e.startedAt = row.started_at;
  if (row.ended_at !== null) e.endedAt = row.ended_at;
  if (row.error !== null) e.error = row.error;
  if (row.graph !== null) e.graph = parse(row.graph);
  if (row.modification !== null) e.modification = parse(row.modification);
  const pid = opt(row.owner_pid);
  if (pid !== undefined) e.ownerPid = pid;
  return e;
}

function taskTotalOf(graph: unknown): number {
  const tasks = (graph as { tasks?: unknown[] } | undefined)?.tasks;
  return Array.isArray(tasks) ? tasks.length : 0;
}

function toEvent(row: EventRow): HostEvent {
  const base: Record<string, unknown> = { seq: row.seq, time: row.time, type: row.type, level: row.level, message: row.message };
  if (row.deployment_id !== null) base.deploymentId = row.deployment_id;
  if (row.execution_id !== null) base.executionId = row.execution_id;
  if (row.node_id !== null) base.nodeId = row.node_id;
  if (row.instance_id !== null) base.instanceId = row.instance_id;
  return { ...(parse<Record<string, unknown>>(row.data) ?? {}), ...base } as unknown as HostEvent;
}
