/**
 * The window's size, position and maximised state, remembered across starts as JSON in
 * userData. A saved position that no longer fits any display (a monitor was unplugged)
 * is dropped so the window never opens off-screen.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized: boolean;
}

export const defaultWindowState: WindowState = { width: 1400, height: 900, maximized: false };
const minSize = { width: 800, height: 560 };

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Makes a stored state safe to apply to the displays there are now. */
export function fitWindowState(raw: unknown, workAreas: readonly Rect[]): WindowState {
  const saved = (raw ?? {}) as Partial<Record<keyof WindowState, unknown>>;
  const state: WindowState = {
    width: isFiniteNumber(saved.width) ? Math.max(minSize.width, Math.round(saved.width)) : defaultWindowState.width,
    height: isFiniteNumber(saved.height) ? Math.max(minSize.height, Math.round(saved.height)) : defaultWindowState.height,
    maximized: saved.maximized === true,
  };
  if (isFiniteNumber(saved.x) && isFiniteNumber(saved.y)) {
    const x = saved.x;
    const y = saved.y;
    // Keep the position only if the title bar area lands on some display.
    const visible = workAreas.some(
      (a) => x + 100 > a.x && x < a.x + a.width - 100 && y >= a.y && y < a.y + a.height - 50,
    );
    if (visible) {
      state.x = Math.round(x);
      state.y = Math.round(y);
    }
  }
  const largest = workAreas.reduce<Rect | undefined>((m, a) => (!m || a.width * a.height > m.width * m.height ? a : m), undefined);
  if (largest) {
    state.width = Math.min(state.width, largest.width);
    state.height = Math.min(state.height, largest.height);
  }
  return state;
}

export function loadWindowState(file: string, workAreas: readonly Rect[]): WindowState {
  try {
    if (!existsSync(file)) return fitWindowState(undefined, workAreas);
    return fitWindowState(JSON.parse(readFileSync(file, 'utf8')), workAreas);
  } catch {
    // A corrupt file is not worth an error dialog: start with the defaults.
    return fitWindowState(undefined, workAreas);
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}
