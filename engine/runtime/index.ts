/** The runtime: executes task graphs (executor.ts) with plugin operations (plugin-registry.ts). */
export * from './executor';
export * from './operation-context';
export * from './plugin-registry';
export * from './retry-policy';
export * from './limiter';
