/**
 * The desktop HostClient: the host contract over the preload's `window.trellis` bridge,
 * where each method is its own function (and its own IPC channel in main).
 */
import type {
  EventBatchListener,
  EventFilter,
  HostClient,
  HostMethod,
  HostResult,
  ParamsOf,
  ResultOf,
  TrellisBridge,
} from '../../engine/host/contract';

/** Adapts the bridge's named functions to the uniform `call(method, params)` of HostClient. */
export class BridgeHostClient implements HostClient {
  constructor(private readonly bridge: TrellisBridge) {}

  call<M extends HostMethod>(method: M, params: ParamsOf<M>): Promise<HostResult<ResultOf<M>>> {
    const fn = this.bridge.host[method] as ((p: ParamsOf<M>) => Promise<HostResult<ResultOf<M>>>) | undefined;
    if (!fn) {
      return Promise.resolve({ ok: false, error: { code: 'invalid-params', message: `unknown method ${method}` } });
    }
    return fn(params);
  }

  subscribe(filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener): () => void {
    return this.bridge.subscribeEvents(filter, listener);
  }
}
