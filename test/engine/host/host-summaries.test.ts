import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../engine/dsl/plan-model';
import { deploymentSummary } from '../../../engine/host/host-summaries';
import { openStore, type Store } from '../../../engine/store';

describe('deployment summary', () => {
  let home: string;
  let store: Store;
  afterEach(() => {
    store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows the environment plugins recorded on the instances they created (which cloud and project)', () => {
    home = mkdtempSync(join(tmpdir(), 'trellis-summary-'));
    store = openStore({ home });
    const bp = store.putBlueprint({ mainFile: '/bp/main.yaml', text: 'x: 1', sources: {} });
    const plan = { nodes: [], instances: [] } as unknown as Plan;
    store.insertDeployment({ id: 'd1', blueprintId: bp.id, blueprintFile: '/bp/main.yaml', inputs: {}, status: 'installed', plan });
    const base = { state: 'started', version: 1, scalingGroups: [], relationships: [] };
    store.insertInstances('d1', [
      { ...base, id: 'vm_aaaaaa', node: 'vm', runtimeProperties: { trellis_environment: { openstack: 'lab / project demo / RegionOne' } } },
      { ...base, id: 'app_bbbbbb', node: 'app', runtimeProperties: { trellis_environment: 'not a map: ignored' } },
      { ...base, id: 'db_cccccc', node: 'db', runtimeProperties: {} },
    ]);

    const summary = deploymentSummary(store, store.getDeployment('d1')!);

    expect(summary.environment).toEqual({ openstack: 'lab / project demo / RegionOne' });
  });

  it('leaves the environment out when no plugin recorded one', () => {
    home = mkdtempSync(join(tmpdir(), 'trellis-summary-'));
    store = openStore({ home });
    const bp = store.putBlueprint({ mainFile: '/bp/main.yaml', text: 'x: 1', sources: {} });
    const plan = { nodes: [], instances: [] } as unknown as Plan;
    store.insertDeployment({ id: 'd2', blueprintId: bp.id, blueprintFile: '/bp/main.yaml', inputs: {}, status: 'created', plan });

    expect(deploymentSummary(store, store.getDeployment('d2')!).environment).toBeUndefined();
  });
});
