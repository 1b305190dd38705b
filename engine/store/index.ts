/** The engine's persistence: see store.ts (tables), migrations.ts, secrets.ts, home.ts. */
export * from './store';
export * from './migrations';
export * from './secrets';
export * from './home';
