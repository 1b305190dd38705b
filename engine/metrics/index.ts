/** Metrics: collectors -> series -> policies -> workflow triggers. See README.md. */
export * from './collector';
export * from './prometheus';
export * from './rates';
export * from './series-store';
export * from './policies';
export * from './scheduler';
export * from './load-generator';
