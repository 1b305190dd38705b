/** Small inline SVG icons for node types (no icon font, no network). */
import type { JSX } from 'react';

const paths: Record<string, string> = {
  compute: 'M3 4h18v12H3z M8 20h8 M12 16v4',
  network: 'M12 3v6 M5 15v-3h14v3 M3 15h4v5H3z M10 15h4v5h-4z M17 15h4v5h-4z',
  database: 'M4 6c0-2 16-2 16 0v12c0 2-16 2-16 0z M4 6c0 2 16 2 16 0 M4 12c0 2 16 2 16 0',
  web: 'M12 3a9 9 0 100 18 9 9 0 000-18z M3 12h18 M12 3c3 3 3 15 0 18 M12 3c-3 3-3 15 0 18',
  app: 'M4 4h16v16H4z M4 9h16 M8 4v5',
  storage: 'M4 5h16v5H4z M4 14h16v5H4z M7 7.5h.01 M7 16.5h.01',
  security: 'M12 3l8 3v6c0 5-4 8-8 9-4-1-8-4-8-9V6z',
  kubernetes: 'M12 2l8 4.5v9L12 20l-8-4.5v-9z M12 8v8 M8 10l8 4 M16 10l-8 4',
  router: 'M3 14h18v6H3z M7 17h.01 M11 17h.01 M8 10l4-4 4 4 M12 6v8',
  component: 'M12 3l9 5-9 5-9-5z M3 13l9 5 9-5',
};

/** Icon key for a node type, from its name and hierarchy. */
export function iconFor(type: string, hierarchy: readonly string[] = []): string {
  const all = [type, ...hierarchy].join(' ').toLowerCase();
  if (/kubernetes/.test(all)) return 'kubernetes';
  if (/compute|server|\bvm\b|host/.test(all)) return 'compute';
  if (/dbms|database|\bdb\b|sql|redis/.test(all)) return 'database';
  if (/webserver|web|nginx|http/.test(all)) return 'web';
  if (/network|subnet|port|floating|virtualip/.test(all)) return 'network';
  if (/router|loadbalancer/.test(all)) return 'router';
  if (/volume|storage|filesystem/.test(all)) return 'storage';
  if (/security|keypair|secret/.test(all)) return 'security';
  if (/application|module|app/.test(all)) return 'app';
  return 'component';
}

export function TypeIcon({ icon, size = 18 }: { icon: string; size?: number }): JSX.Element {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.7} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d={paths[icon] ?? paths.component} />
    </svg>
  );
}
