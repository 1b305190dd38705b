/** The File > Open Recent list: most recent first, no duplicates, bounded, kept in userData. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const maxRecentFiles = 10;

/** Puts `path` first. */
export function pushRecent(list: readonly string[], path: string): string[] {
  return [path, ...list.filter((p) => p !== path)].slice(0, maxRecentFiles);
}

export function loadRecent(file: string): string[] {
  try {
    if (!existsSync(file)) return [];
    const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(raw) ? raw.filter((p): p is string => typeof p === 'string').slice(0, maxRecentFiles) : [];
  } catch {
    return [];
  }
}

export function saveRecent(file: string, list: readonly string[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(list, null, 2));
}
