/**
 * Versioned schema migrations. Each migration runs once, in version order, inside a
 * transaction, and is recorded in `schema_migrations`. Other areas (metrics) add their
 * tables with `registerMigration` before the store is opened; versions must be unique
 * (core uses 1–99, metrics 100–199, later areas pick the next free hundred).
 */
import type BetterSqlite3 from 'better-sqlite3';

export interface Migration {
  /** Unique, ordered. */
  version: number;
  /** Short description, recorded with the version. */
  name: string;
  /** SQL to run, or a function for migrations that need logic. */
  up: string | ((db: BetterSqlite3.Database) => void);
}

/** The core schema. Never edit a shipped migration; add a new one. */
export const coreMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'core schema',
    up: `
      CREATE TABLE blueprints (
        id TEXT PRIMARY KEY,
        main_file TEXT NOT NULL,
        text TEXT NOT NULL,
        hash TEXT NOT NULL,
        sources TEXT NOT NULL,          -- JSON {file: text} of every file that took part
        created_at TEXT NOT NULL
      );
      CREATE TABLE deployments (
        id TEXT PRIMARY KEY,
        blueprint_id TEXT NOT NULL REFERENCES blueprints(id),
        blueprint_file TEXT NOT NULL,
        inputs TEXT NOT NULL,           -- JSON
        status TEXT NOT NULL,
        plan TEXT NOT NULL,             -- JSON Plan
        policies_paused INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE node_instances (
        deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        node_id TEXT NOT NULL,
        state TEXT NOT NULL,
        container_id TEXT,
        host_id TEXT,
        scaling_groups TEXT NOT NULL,   -- JSON [{name, id}]
        runtime_properties TEXT NOT NULL,
        version INTEGER NOT NULL,
        last_error TEXT,                -- rowid keeps insertion order, so listings follow the plan
        PRIMARY KEY (deployment_id, id)
      );
      CREATE TABLE relationship_instances (
        deployment_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        idx INTEGER NOT NULL,           -- index into the source node's relationships
        type TEXT NOT NULL,
        kind TEXT NOT NULL,
        target_node TEXT NOT NULL,
        target_id TEXT NOT NULL,
        PRIMARY KEY (deployment_id, source_id, idx, target_id),
        FOREIGN KEY (deployment_id, source_id) REFERENCES node_instances(deployment_id, id) ON DELETE CASCADE
      );
      CREATE INDEX relationship_instances_target ON relationship_instances(deployment_id, target_id);
      CREATE TABLE executions (
        id TEXT PRIMARY KEY,
        deployment_id TEXT NOT NULL,
        workflow TEXT NOT NULL,
        parameters TEXT NOT NULL,       -- JSON
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        error TEXT,
        triggered_by TEXT NOT NULL,
        dry_run INTEGER NOT NULL DEFAULT 0,
        graph TEXT,                     -- JSON TaskGraph, persisted so resume rebuilds nothing
        modification TEXT,              -- JSON ModelModification (scale, heal)
        owner_pid INTEGER,              -- the engine process running it (crash detection)
        interrupted INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX executions_deployment ON executions(deployment_id, created_at);
      CREATE INDEX executions_status ON executions(status);
      CREATE TABLE tasks (
        execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        started_at TEXT,
        ended_at TEXT,
        result TEXT,                    -- JSON value the operation returned
        PRIMARY KEY (execution_id, id)
      );
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        type TEXT NOT NULL,
        level TEXT NOT NULL,
        deployment_id TEXT,
        execution_id TEXT,
        node_id TEXT,
        instance_id TEXT,
        message TEXT NOT NULL,
        data TEXT NOT NULL              -- JSON of the type-specific fields
      );
      CREATE INDEX events_deployment ON events(deployment_id, seq);
      CREATE INDEX events_execution ON events(execution_id, seq);
      CREATE INDEX events_time ON events(time);
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        store TEXT NOT NULL,            -- which SecretStore holds the value (never the value)
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'execution task totals',
    // Tasks that never changed state have no journal row; the total gives their count.
    up: 'ALTER TABLE executions ADD COLUMN task_total INTEGER NOT NULL DEFAULT 0',
  },
];

const registered: Migration[] = [];

/**
 * Adds a migration that every store opened afterwards applies (e.g. the metrics tables).
 * Registering the same version twice with the same name is a no-op, so modules may
 * register at import time.
 */
export function registerMigration(migration: Migration): void {
  const existing = [...coreMigrations, ...registered].find((m) => m.version === migration.version);
  if (existing) {
    if (existing.name === migration.name) return;
    throw new Error(`migration version ${migration.version} is taken by "${existing.name}"`);
  }
  registered.push(migration);
}

/** Every known migration, ordered by version. */
export function allMigrations(extra: readonly Migration[] = []): Migration[] {
  const byVersion = new Map<number, Migration>();
  for (const m of [...coreMigrations, ...registered, ...extra]) {
    const seen = byVersion.get(m.version);
    if (seen && seen.name !== m.name) throw new Error(`two migrations share version ${m.version}`);
    byVersion.set(m.version, m);
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

/** Applies pending migrations; returns the versions applied now. */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
    done.push(m.version);
  }
  return done;
}
