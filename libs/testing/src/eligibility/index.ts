export * from './cd19-rr-all';
export * from './nct03754764-cd38';
export * from './nct04546906-cd22';
export * from './cd20-cd22';
