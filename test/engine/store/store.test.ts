import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../engine/dsl/plan-model';
import type { ModelInstance } from '../../../engine/model/deployment-model';
import {
  FileSecretStore,
  openStore,
  registerMigration,
  VersionConflictError,
  defaultTrellisHome,
  type Store,
} from '../../../engine/store';

const plan = { nodes: [], instances: [] } as unknown as Plan;

function instance(id: string, extra: Partial<ModelInstance> = {}): ModelInstance {
  return { id, node: id.split('_')[0]!, state: 'uninitialized', runtimeProperties: {}, version: 1, scalingGroups: [], relationships: [], ...extra };
}

describe('store', () => {
  let home: string;
  let store: Store;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'trellis-store-'));
    store = openStore({ home });
    const bp = store.putBlueprint({ mainFile: '/bp/main.yaml', text: 'x: 1', sources: { '/bp/main.yaml': 'x: 1' } });
    store.insertDeployment({ id: 'd1', blueprintId: bp.id, blueprintFile: '/bp/main.yaml', inputs: {}, status: 'created', plan });
  });
  afterEach(() => {
    store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('opens in WAL mode and records applied migrations', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = store.db.prepare('SELECT version FROM schema_migrations').pluck().all();
    expect(versions).toContain(1);
  });

  it('applies a registered migration once, when the store is next opened', () => {
    registerMigration({ version: 950, name: 'test table', up: 'CREATE TABLE test_extra (x INTEGER)' });
    store.close();
    store = openStore({ home });
    store.close();
    store = openStore({ home });
    const rows = store.db.prepare('SELECT version FROM schema_migrations WHERE version = 950').all();
    expect(rows).toHaveLength(1);
    expect(() => registerMigration({ version: 950, name: 'another', up: '' })).toThrow(/taken/);
  });

  it('hashes blueprints by content and returns the same record for the same content', () => {
    const a = store.putBlueprint({ mainFile: '/a.yaml', text: 'a', sources: {} });
    const b = store.putBlueprint({ mainFile: '/a.yaml', text: 'a', sources: {} });
    const c = store.putBlueprint({ mainFile: '/a.yaml', text: 'b', sources: {} });
    expect(a.id).toBe(b.id);
    expect(c.hash).not.toBe(a.hash);
  });

  it('refuses a stale optimistic update with a version conflict and keeps the newer write', () => {
    store.insertInstances('d1', [instance('vm_aaaaaa')]);
    const v = store.getInstance('d1', 'vm_aaaaaa')!.version;
    const next = store.updateInstance('d1', 'vm_aaaaaa', v, { runtimeProperties: { ip: '10.0.0.1' } });
    expect(next).toBe(v + 1);
    expect(() => store.updateInstance('d1', 'vm_aaaaaa', v, { runtimeProperties: { ip: 'stale' } })).toThrow(VersionConflictError);
    expect(store.getInstance('d1', 'vm_aaaaaa')!.runtimeProperties).toEqual({ ip: '10.0.0.1' });
  });

  it('merges runtime-property changes from concurrent writers of different keys', () => {
    store.insertInstances('d1', [instance('lb_bbbbbb', { runtimeProperties: { a: 1 } })]);
    const other = openStore({ home }); // a second connection, as another engine process would have
    try {
      store.mergeRuntimeProperties('d1', 'lb_bbbbbb', { backend_1: 'x' });
      other.mergeRuntimeProperties('d1', 'lb_bbbbbb', { backend_2: 'y', a: undefined });
      expect(store.getInstance('d1', 'lb_bbbbbb')!.runtimeProperties).toEqual({ backend_1: 'x', backend_2: 'y' });
      expect(store.getInstance('d1', 'lb_bbbbbb')!.version).toBe(3);
    } finally {
      other.close();
    }
  });

  it('keeps relationship instances with their source and drops them with either end', () => {
    store.insertInstances('d1', [
      instance('db_cccccc'),
      instance('app_dddddd', { relationships: [{ index: 0, type: 'cloudify.relationships.connected_to', kind: 'connected_to', targetNode: 'db', targetId: 'db_cccccc' }] }),
    ]);
    expect(store.getInstance('d1', 'app_dddddd')!.relationships.map((r) => r.targetId)).toEqual(['db_cccccc']);
    store.deleteInstances('d1', ['db_cccccc']);
    expect(store.listInstances('d1').map((i) => [i.id, i.relationships.length])).toEqual([['app_dddddd', 0]]);
  });

  it('journals tasks with upserts and counts them by status', () => {
    store.insertExecution({ id: 'e1', deploymentId: 'd1', workflow: 'install', parameters: {}, status: 'started', triggeredBy: 'cli', dryRun: false });
    store.putTask({ executionId: 'e1', id: 't1', status: 'running', attempts: 1 });
    store.putTask({ executionId: 'e1', id: 't1', status: 'succeeded', attempts: 1, result: { id: 'srv-1' } });
    store.putTask({ executionId: 'e1', id: 't2', status: 'failed', attempts: 3, lastError: 'boom' });
    expect(store.taskCounts('e1')).toEqual({ succeeded: 1, failed: 1 });
    expect(store.listTasks('e1').find((t) => t.id === 't1')!.result).toEqual({ id: 'srv-1' });
  });

  it('appends events with increasing seq and filters them by deployment, type, level and text', () => {
    const t = new Date().toISOString();
    const a = store.appendEvent({ type: 'log', time: t, level: 'info', deploymentId: 'd1', message: 'Hello 100% World' });
    const b = store.appendEvent({ type: 'instance', time: t, level: 'warn', deploymentId: 'd1', instanceId: 'x', state: 'started', message: 'x started' });
    store.appendEvent({ type: 'log', time: t, level: 'info', deploymentId: 'd2', message: 'other' });
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(store.queryEvents({ deploymentId: 'd1' }).map((e) => e.seq)).toEqual([a.seq, b.seq]);
    expect(store.queryEvents({ text: '100%' }).map((e) => e.seq)).toEqual([a.seq]);
    expect(store.queryEvents({ types: ['instance'], levels: ['warn'] })[0]).toMatchObject({ state: 'started', instanceId: 'x' });
    expect(store.queryEvents({ afterSeq: a.seq, deploymentId: 'd1' })).toHaveLength(1);
  });

  it('deletes a deployment with everything that belongs to it', () => {
    store.insertInstances('d1', [instance('vm_eeeeee')]);
    store.insertExecution({ id: 'e2', deploymentId: 'd1', workflow: 'install', parameters: {}, status: 'failed', triggeredBy: 'cli', dryRun: false });
    store.putTask({ executionId: 'e2', id: 't', status: 'failed', attempts: 1 });
    store.appendEvent({ type: 'log', time: new Date().toISOString(), level: 'info', deploymentId: 'd1', message: 'm' });
    store.deleteDeployment('d1');
    expect(store.getDeployment('d1')).toBeUndefined();
    expect(store.listInstances('d1')).toEqual([]);
    expect(store.listExecutions({ deploymentId: 'd1' })).toEqual([]);
    expect(store.queryEvents({ deploymentId: 'd1' })).toEqual([]);
  });

  it('picks the per-OS app-data folder unless TRELLIS_HOME is set', () => {
    expect(defaultTrellisHome({ TRELLIS_HOME: '/x' }, 'linux', '/home/u')).toBe('/x');
    expect(defaultTrellisHome({}, 'linux', '/home/u')).toBe('/home/u/.local/share/trellis');
    expect(defaultTrellisHome({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/Trellis');
    expect(defaultTrellisHome({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toMatch(/Roaming.Trellis$/);
  });
});

describe('file secret store', () => {
  it('keeps values encrypted in owner-only files and reads them back', async () => {
    const home = mkdtempSync(join(tmpdir(), 'trellis-secrets-'));
    try {
      const secrets = new FileSecretStore(home);
      await secrets.set('os_password', 'hunter2-very-secret');
      expect(await new FileSecretStore(home).get('os_password')).toBe('hunter2-very-secret');
      const file = join(home, 'secrets', 'secrets.json');
      expect(readFileSync(file, 'utf8')).not.toContain('hunter2');
      if (process.platform !== 'win32') {
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(statSync(join(home, 'secrets', 'master.key')).mode & 0o777).toBe(0o600);
      }
      await secrets.delete('os_password');
      expect(await secrets.get('os_password')).toBeUndefined();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
