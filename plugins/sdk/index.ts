export * from './failures';
export type * from './context';
export * from './plugin';
export type * from './collector';
