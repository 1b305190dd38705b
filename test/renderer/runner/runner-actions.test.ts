/**
 * The runner's actions against a real EngineHost (it implements the HostClient the
 * renderer talks to): create a deployment, preview and run install, and watch the stores
 * fill from the live subscription.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineHost } from '../../../engine/host/engine-host';
import { openHost } from '../../../engine/host/open-host';
import { setHostClient } from '../../../renderer/host';
import { summarizeNode } from '../../../renderer/runner/live-status';
import {
  cancelExecution,
  createDeployment,
  deleteDeployment,
  resetRunnerActions,
  runWorkflow,
  startRunner,
} from '../../../renderer/runner/runner-actions';
import { useRunnerEventsStore } from '../../../renderer/state/runner-events-store';
import { useRunnerLiveStore } from '../../../renderer/state/runner-live-store';
import {
  selectActiveExecution,
  selectPlan,
  useRunnerStore,
} from '../../../renderer/state/runner-store';
import { useUiStore } from '../../../renderer/state/ui-store';

const fixture = resolve('test/e2e/fixtures/runner-failing/blueprint.yaml');

describe('runner actions on a real engine host', () => {
  let host: EngineHost;
  beforeAll(() => {
    host = openHost({ home: mkdtempSync(join(tmpdir(), 'trellis-runner-actions-')) });
    setHostClient(host);
    startRunner();
  });
  afterAll(async () => {
    resetRunnerActions();
    setHostClient(undefined);
    await host.close();
    useRunnerStore.getState().reset();
    useRunnerEventsStore.getState().reset();
    useRunnerLiveStore.getState().reset();
    useUiStore.getState().reset();
  });

  it('creates a deployment with typed inputs, selects it and loads its plan and instances', async () => {
    expect(await createDeployment(fixture, 'app', { reason: 'quota exceeded' })).toBe(true);
    const s = useRunnerStore.getState();
    expect(s.selectedId).toBe('app');
    expect(
      selectPlan(s)
        ?.nodes.map((n) => n.name)
        .sort(),
    ).toEqual(['after', 'broken', 'fine']);
    expect(Object.keys(useRunnerLiveStore.getState().instances)).toHaveLength(3);
    // A second one with the same id is refused and the error is shown.
    expect(await createDeployment(fixture, 'app', {})).toBe(false);
    expect(useUiStore.getState().notice?.kind).toBe('error');
  });

  it('previews install as a task graph without running it', async () => {
    expect(await runWorkflow('install', {}, true)).toBe(true);
    const d = useRunnerStore.getState().dialog;
    expect(d?.kind).toBe('dryRun');
    if (d?.kind === 'dryRun')
      expect(d.tasks.some((t) => t.operation === 'cloudify.interfaces.lifecycle.create')).toBe(
        true,
      );
    useRunnerStore.getState().openDialog(null);
    expect(summarizeNode(useRunnerLiveStore.getState().instances, 'fine').byState).toEqual([
      ['uninitialized', 1],
    ]);
  });

  it('runs install and the live stores follow it: the failing node red with its cause, the rest as far as they got', async () => {
    expect(await runWorkflow('install')).toBe(true);
    await expect
      .poll(() => summarizeNode(useRunnerLiveStore.getState().instances, 'broken').tone, {
        timeout: 15_000,
      })
      .toBe('error');
    await expect
      .poll(() => summarizeNode(useRunnerLiveStore.getState().instances, 'fine').tone, {
        timeout: 15_000,
      })
      .toBe('ok');
    expect(summarizeNode(useRunnerLiveStore.getState().instances, 'broken').error).toContain(
      'quota exceeded',
    );
    expect(summarizeNode(useRunnerLiveStore.getState().instances, 'after').byState).toEqual([
      ['uninitialized', 1],
    ]);
    await expect
      .poll(() => useRunnerStore.getState().executions[0]?.status, { timeout: 10_000 })
      .toBe('failed');
    const { log } = useRunnerEventsStore.getState();
    expect(log.filtered({ deploymentId: 'app', levels: ['error'] }).length).toBeGreaterThan(0);
    await expect
      .poll(() => useRunnerStore.getState().deployments.find((d) => d.id === 'app')?.status, {
        timeout: 10_000,
      })
      .toBe('failed');
  });

  it('deletes a failed deployment only with force', async () => {
    await deleteDeployment('app', false);
    expect(useRunnerStore.getState().deployments.map((d) => d.id)).toEqual(['app']);
    await deleteDeployment('app', true);
    expect(useRunnerStore.getState().deployments).toEqual([]);
    expect(useRunnerStore.getState().selectedId).toBeNull();
  });
});

describe('cancelling a running execution from the runner', () => {
  let host: EngineHost;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-runner-cancel-'));
    mkdirSync(join(dir, 'scripts'));
    writeFileSync(join(dir, 'scripts', 'slow.sh'), '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
    writeFileSync(
      join(dir, 'blueprint.yaml'),
      [
        'tosca_definitions_version: cloudify_dsl_1_5',
        'imports: [cloudify/types/types.yaml]',
        'node_templates:',
        '  slow:',
        '    type: cloudify.nodes.Root',
        '    interfaces:',
        '      cloudify.interfaces.lifecycle:',
        '        create: scripts/slow.sh',
        '',
      ].join('\n'),
    );
    host = openHost({ home: join(dir, 'home') });
    setHostClient(host);
    startRunner();
  });
  afterAll(async () => {
    resetRunnerActions();
    setHostClient(undefined);
    await host.close();
    useRunnerStore.getState().reset();
    useRunnerEventsStore.getState().reset();
    useRunnerLiveStore.getState().reset();
  });

  it('shows the operation running, then cancels it and stops the spinner', async () => {
    expect(await createDeployment(join(dir, 'blueprint.yaml'), 'slow', {})).toBe(true);
    expect(await runWorkflow('install')).toBe(true);
    await expect
      .poll(() => summarizeNode(useRunnerLiveStore.getState().instances, 'slow').running, {
        timeout: 10_000,
      })
      .toBe(1);
    const active = selectActiveExecution(useRunnerStore.getState());
    expect(active?.workflow).toBe('install');
    await cancelExecution(active!.id, false);
    await expect
      .poll(() => useRunnerStore.getState().executions[0]?.status, { timeout: 15_000 })
      .toBe('cancelled');
    await expect
      .poll(() => summarizeNode(useRunnerLiveStore.getState().instances, 'slow').running, {
        timeout: 5_000,
      })
      .toBe(0);
    expect(selectActiveExecution(useRunnerStore.getState())).toBeUndefined();
  });
});
