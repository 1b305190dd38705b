/**
 * The renderer's one way to the engine: `getHostClient()` returns the desktop bridge's
 * client inside Electron (window.trellis from the preload) and a WebSocket client in a
 * browser (the page `trellis serve` hands out, whose URL carries the access token).
 * `getShell()` exposes the desktop shell's extras (menu commands, native dialogs, close
 * guard, secrets, engine status) and is null in the browser, where the UI offers its own.
 */
import type { HostClient, TrellisBridge } from '../../engine/host/contract';
import { BridgeHostClient } from './bridge-client';
import { WsHostClient } from './ws-client';

export { BridgeHostClient } from './bridge-client';
export { WsHostClient, type ConnectionState, type SocketLike, type WsHostClientOptions } from './ws-client';

declare global {
  interface Window {
    /** Present only inside the Electron shell. */
    trellis?: TrellisBridge;
  }
}

let client: HostClient | undefined;

/** The WebSocket URL for a page served by `trellis serve`, token taken from the page URL. */
export function wsUrlFromLocation(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}

/** The host client for this page (created once). */
export function getHostClient(): HostClient {
  if (!client) {
    const bridge = typeof window !== 'undefined' ? window.trellis : undefined;
    client = bridge ? new BridgeHostClient(bridge) : new WsHostClient({ url: wsUrlFromLocation(window.location) });
  }
  return client;
}

/** The desktop shell's services, or null in a browser. */
export function getShell(): TrellisBridge | null {
  return typeof window !== 'undefined' ? (window.trellis ?? null) : null;
}

/** Replaces the client (tests, stories). */
export function setHostClient(next: HostClient | undefined): void {
  client = next;
}
