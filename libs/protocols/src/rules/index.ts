export * from './bsa';
export * from './chemotherapy-dose';
export * from './cell-dose';
export * from './screening-data';
export * from './eligibility';
