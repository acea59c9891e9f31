export * from './trial-state';
export * from './trial-rules';
