import { describe, expect, it } from 'vitest';
import { shellChannels } from '../../electron/ipc-channels';
import { IpcGuard } from '../../electron/ipc-guard';
import { appEntryUrl } from '../../electron/security';

const guard = new IpcGuard();
const app = { url: appEntryUrl, isMainFrame: true };

describe('main checks every IPC message', () => {
  it('accepts a valid call from the app main frame', () => {
    expect(guard.checkHostCall('files.read', app, { path: '/bp/app.yaml' })).toEqual({ ok: true });
  });

  it('refuses a call from a subframe or a foreign page as forbidden', () => {
    expect(guard.checkHostCall('files.read', { url: appEntryUrl, isMainFrame: false }, { path: '/x' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(guard.checkHostCall('host.info', { url: 'https://evil.example/', isMainFrame: true }, {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: 'IPC from https://evil.example/ refused' },
    });
  });

  it('rejects invalid params with the validation message', () => {
    expect(guard.checkHostCall('files.write', app, { path: '/x' })).toEqual({
      ok: false,
      error: { code: 'invalid-params', message: "files.write: params must have required property 'text'" },
    });
    expect(guard.checkHostCall('executions.start', app, { deploymentId: 'd', workflow: 'install', dryRun: 'yes' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-params', message: 'executions.start: params.dryRun must be boolean' },
    });
  });

  it('validates the shell channels too', () => {
    expect(guard.checkShell(shellChannels.documentState, app, { path: '/bp/a.yaml', dirty: true })).toEqual({ ok: true });
    expect(guard.checkShell(shellChannels.documentState, app, { dirty: 'yes' })).toMatchObject({ ok: false });
    expect(guard.checkShell(shellChannels.secretsSet, app, { name: '../../etc/passwd', value: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-params' },
    });
    expect(guard.checkShell(shellChannels.eventsSubscribe, app, { id: 1, filter: { levels: ['info'] } })).toEqual({ ok: true });
    expect(guard.checkShell('trellis:shell:exec', app, {})).toMatchObject({ ok: false });
  });
});
