/**
 * Schemas of the shell's own IPC payloads (the host methods' params are checked with the
 * contract's schemas, engine/host/ws-schemas.ts).
 */
import { eventFilterSchema } from '../engine/host/ws-schemas';
import { shellChannels } from './ipc-channels';

const path = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const id = { type: 'integer', minimum: 1 } as const;
const name = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' } as const;

function obj(properties: Record<string, unknown>, required: string[] = []) {
  return { type: 'object', additionalProperties: false, properties, required };
}

/** One schema per renderer -> main shell channel. */
export const shellPayloadSchemas: Record<string, Record<string, unknown>> = {
  [shellChannels.eventsSubscribe]: obj({ id, filter: eventFilterSchema }, ['id', 'filter']),
  [shellChannels.eventsUnsubscribe]: obj({ id }, ['id']),
  [shellChannels.engineRestart]: obj({}),
  [shellChannels.dialogOpen]: obj({}),
  [shellChannels.dialogSave]: obj({ defaultPath: path }),
  [shellChannels.documentState]: obj({ path, dirty: { type: 'boolean' } }, ['dirty']),
  [shellChannels.documentClose]: obj({}),
  [shellChannels.secretsSet]: obj({ name, value: { type: 'string', maxLength: 1024 * 1024 } }, ['name', 'value']),
  [shellChannels.secretsList]: obj({}),
  [shellChannels.secretsDelete]: obj({ name }, ['name']),
};
