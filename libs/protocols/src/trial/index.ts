export * from './trial-state';
export * from './trial-rules';
export * from './escalation-design';
export * from './late-data';
export * from './data-lock';
export * from './patient-facts';
export * from './outcomes';
export * from './data-issues';
