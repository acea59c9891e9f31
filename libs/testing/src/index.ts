/**
 * What the end-to-end tests, the simulator and the benchmark share: eligible patients per trial,
 * HTTP calls with signatures, the services as OS processes, test databases and Redis prefixes.
 * Never part of the production build (tsconfig.build.json excludes it; a unit spec checks).
 */
export * from './eligibility';
export * from './database';
export * from './http';
export * from './polling';
export * from './process-site';
export * from './processes';
export * from './redis-keys';
export * from './signing';
export * from './custody';
