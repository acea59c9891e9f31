/**
 * One event policy: the vocabulary, who may post each event, which are electronic signatures and
 * with what meaning, which end the study, the overdue rule, and the value sets events carry. Pure
 * TypeScript with no imports outside this folder, so the console bundles it as it is.
 */
export * from './vocabulary';
export * from './roles';
export * from './event-policy';
export * from './values';
export * from './visits';
export * from './bedside-check';
export * from './custody-steps';
