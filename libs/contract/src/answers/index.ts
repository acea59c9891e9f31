/**
 * What the HTTP API answers, as zod schemas: the server's OpenAPI document is generated from them
 * and the console takes its types from them. Only zod here, so the browser build can import it.
 */
export * from './common';
export * from './patients';
export * from './users';
export * from './notifications';
export * from './audit';
export * from './health';
export * from './protocols';
export * from './trials';
export * from './worklist';
export * from './migrations';
export * from './amendments';
export * from './lab-intake';
export * from './manufacturing';
export * from './queries';
export * from './deviations';
