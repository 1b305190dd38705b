/**
 * A small in-memory HostClient for transport tests: real behaviour for the few methods the
 * tests call (host.info, files.read/write) and a real event log with seq, stored replay
 * after `afterSeq`, and live delivery — the parts of the contract a transport must carry.
 */
import type {
  EventBatchListener,
  EventFilter,
  HostClient,
  HostEvent,
  HostMethod,
  HostResult,
  ParamsOf,
  ResultOf,
} from '../../../engine/host/contract';

export class MemoryHost implements HostClient {
  readonly files = new Map<string, string>();
  readonly events: HostEvent[] = [];
  private readonly listeners = new Set<{ filter: EventFilter; listener: EventBatchListener }>();
  calls = 0;

  listenerCount(): number {
    return this.listeners.size;
  }

  call<M extends HostMethod>(method: M, params: ParamsOf<M>): Promise<HostResult<ResultOf<M>>> {
    this.calls += 1;
    const ok = <T>(value: T) => Promise.resolve({ ok: true, value } as HostResult<ResultOf<M>>);
    switch (method) {
      case 'host.info':
        return ok({ version: 'test', home: '/tmp/trellis-test', plugins: ['local'] });
      case 'files.read': {
        const { path } = params as ParamsOf<'files.read'>;
        const text = this.files.get(path);
        if (text === undefined) {
          return Promise.resolve({ ok: false, error: { code: 'not-found', message: `no file ${path}` } });
        }
        return ok({ path, text });
      }
      case 'files.write': {
        const { path, text } = params as ParamsOf<'files.write'>;
        this.files.set(path, text);
        return ok({ path });
      }
      case 'deployments.list':
        throw new Error('the store is gone');
      default:
        return Promise.resolve({ ok: false, error: { code: 'unavailable', message: `${method} not in MemoryHost` } });
    }
  }

  subscribe(filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener): () => void {
    const stored = this.events.filter((e) => e.seq > (filter.afterSeq ?? -1) && matches(filter, e));
    if (stored.length > 0) listener(stored);
    const entry = { filter, listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Appends log events (stored, then delivered live as one batch per listener). */
  emit(count: number, fields: Partial<HostEvent> = {}): HostEvent[] {
    const made: HostEvent[] = [];
    for (let i = 0; i < count; i += 1) {
      const event = {
        seq: this.events.length + 1,
        time: new Date(0).toISOString(),
        level: 'info',
        type: 'log',
        message: `line ${this.events.length + 1}`,
        ...fields,
      } as HostEvent;
      this.events.push(event);
      made.push(event);
    }
    for (const { filter, listener } of [...this.listeners]) {
      const batch = made.filter((e) => matches(filter, e));
      if (batch.length > 0) listener(batch);
    }
    return made;
  }
}

function matches(filter: EventFilter, event: HostEvent): boolean {
  if (filter.deploymentId && event.deploymentId !== filter.deploymentId) return false;
  if (filter.types && !filter.types.includes(event.type)) return false;
  if (filter.levels && !filter.levels.includes(event.level)) return false;
  return true;
}
