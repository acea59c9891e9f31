/**
 * The HTTP contract: what the API takes (requests.ts), what it answers (answers/), every route
 * (routes.ts) and the OpenAPI document generated from them (openapi.ts).
 */
export * from './vocabulary';
export * from './answers';
export * from './requests';
export { openApiDocument } from './openapi';
