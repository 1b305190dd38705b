/**
 * The host contract's JSON schemas and compiled validators, shared by every transport
 * (in-process EngineHost, Electron main, the WebSocket server). They live in ws-schemas.ts
 * (written with the WebSocket server); this is the transport-neutral name to import.
 */
export { createContractValidators, eventFilterSchema, isHostMethod, methodParamSchemas, wireRequestSchema } from './ws-schemas';
export type { Check, ContractValidators } from './ws-schemas';
