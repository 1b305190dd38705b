import { describe, expect, it } from 'vitest';
import { hostMethodNames } from '../../engine/host/contract';
import { buildBridge, type IpcRendererLike } from '../../electron/bridge';
import { bridgeFunctionNames, hostChannel, shellChannels } from '../../electron/ipc-channels';

class FakeIpc implements IpcRendererLike {
  invoked: [string, unknown[]][] = [];
  sent: [string, unknown[]][] = [];
  listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push([channel, args]);
    return Promise.resolve({ ok: true, value: channel });
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, args]);
  }
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): this {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
    return this;
  }
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }
  emit(channel: string, payload: unknown): void {
    for (const l of this.listeners.get(channel) ?? []) l({ sender: this, ports: [] }, payload);
  }
}

/** Every path to a function in the object, and every non-function leaf. */
function surface(value: unknown, path = ''): { functions: string[]; other: string[] } {
  const out = { functions: [] as string[], other: [] as string[] };
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const here = path ? `${path}.${key}` : key;
    if (typeof member === 'function') out.functions.push(here);
    else if (member && typeof member === 'object') {
      const inner = surface(member, here);
      out.functions.push(...inner.functions);
      out.other.push(...inner.other);
    } else out.other.push(here);
  }
  return out;
}

describe('the preload bridge (window.trellis)', () => {
  it('exposes exactly the named functions: one per host method plus the shell services', () => {
    const ipc = new FakeIpc();
    const { functions, other } = surface(buildBridge(ipc));
    expect(functions.sort()).toEqual([...bridgeFunctionNames].sort());
    expect(other).toEqual(['kind']);
    expect(functions.filter((f) => f.startsWith('host.'))).toHaveLength(hostMethodNames.length);
    expect(functions).not.toContain('invoke');
    expect(functions).not.toContain('call');
  });

  it('never hands out the ipcRenderer object', () => {
    const ipc = new FakeIpc();
    const bridge = buildBridge(ipc);
    const seen = new Set<unknown>();
    const walk = (v: unknown): void => {
      if (!v || typeof v !== 'object' || seen.has(v)) return;
      seen.add(v);
      expect(v).not.toBe(ipc);
      for (const m of Object.values(v)) walk(m);
    };
    walk(bridge);
  });

  it('sends each host method on its own channel', async () => {
    const ipc = new FakeIpc();
    const bridge = buildBridge(ipc);
    await bridge.host['files.read']({ path: '/bp/a.yaml' });
    await bridge.host['host.info']({});
    expect(ipc.invoked).toEqual([
      [hostChannel('files.read'), [{ path: '/bp/a.yaml' }]],
      [hostChannel('host.info'), [{}]],
    ]);
    expect(hostChannel('files.read')).toBe('trellis:host:files.read');
  });

  it('hands listeners the payload only, never the IPC event (whose sender is ipcRenderer)', () => {
    const ipc = new FakeIpc();
    const bridge = buildBridge(ipc);
    const got: unknown[][] = [];
    const stop = bridge.onCommand((...args: unknown[]) => got.push(args));
    ipc.emit(shellChannels.command, { command: 'file.save' });
    stop();
    ipc.emit(shellChannels.command, { command: 'file.new' });
    expect(got).toEqual([[{ command: 'file.save' }]]);
  });

  it('routes event batches to the subscription they belong to and unsubscribes', () => {
    const ipc = new FakeIpc();
    const bridge = buildBridge(ipc);
    const a: number[] = [];
    const b: number[] = [];
    const stopA = bridge.subscribeEvents({}, (batch) => a.push(...batch.map((e) => e.seq)));
    bridge.subscribeEvents({ types: ['log'] }, (batch) => b.push(...batch.map((e) => e.seq)));
    expect(ipc.invoked.map(([c, args]) => [c, args[0]])).toEqual([
      [shellChannels.eventsSubscribe, { id: 1, filter: {} }],
      [shellChannels.eventsSubscribe, { id: 2, filter: { types: ['log'] } }],
    ]);
    ipc.emit(shellChannels.eventsBatch, { id: 1, batch: [{ seq: 4 }] });
    ipc.emit(shellChannels.eventsBatch, { id: 2, batch: [{ seq: 5 }] });
    stopA();
    ipc.emit(shellChannels.eventsBatch, { id: 1, batch: [{ seq: 6 }] });
    expect(a).toEqual([4]);
    expect(b).toEqual([5]);
    expect(ipc.invoked.at(-1)).toEqual([shellChannels.eventsUnsubscribe, [{ id: 1 }]]);
  });
});
