export * from './trial-state';
export * from './trial-rules';
export * from './patient-facts';
export * from './outcomes';
export * from './data-issues';
