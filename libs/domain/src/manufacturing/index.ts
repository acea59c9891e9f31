export * from './iso-week';
export * from './booking-rules';
export * from './manufacturing-repository';
export * from './slot-ledger';
export * from './manufacturing-service';
