/**
 * JSON schemas of the host contract's boundary: every method's params, the event filter and
 * the wire envelope. Shared by the WebSocket server, the engine process entry and Electron
 * main, so the three transports accept exactly the same payloads.
 *
 * Why not derived from the TypeScript types: the types vanish at run time and the boundary
 * is where untrusted input arrives; the schemas say what the boundary accepts, precisely.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { hostMethodNames, type HostMethod } from './contract';

type Schema = Record<string, unknown>;

const str = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const text = { type: 'string', maxLength: 64 * 1024 * 1024 } as const;
const bool = { type: 'boolean' } as const;
const int = { type: 'integer', minimum: 0 } as const;
/** A `Value` (any JSON): ajv's `{}` accepts any JSON value. */
const value = {} as const;
const valueMap = { type: 'object', additionalProperties: value } as const;
const empty: Schema = { type: 'object', additionalProperties: false, properties: {} };

function obj(properties: Record<string, unknown>, required: string[] = []): Schema {
  return { type: 'object', additionalProperties: false, properties, required };
}

const levels = { type: 'array', maxItems: 4, items: { enum: ['debug', 'info', 'warn', 'error'] } } as const;
const eventTypes = {
  type: 'array',
  maxItems: 16,
  items: { enum: ['execution', 'task', 'instance', 'log', 'workflow', 'deployment', 'metric', 'policy', 'engine'] },
} as const;

const filterProperties = {
  deploymentId: str,
  executionId: str,
  nodeId: str,
  instanceId: str,
  levels,
  types: eventTypes,
  text: { type: 'string', maxLength: 1024 },
};

/** The event filter a subscription takes (with the seq to resume after). */
export const eventFilterSchema: Schema = obj({ ...filterProperties, afterSeq: int });

/** Params of each host method. */
export const methodParamSchemas: Record<HostMethod, Schema> = {
  'host.info': empty,
  'blueprint.compile': obj({ file: str, text, inputs: valueMap, validateOnly: bool }, ['file']),
  'blueprint.typeCatalog': obj({ file: str, text }, ['file']),
  'blueprint.examples': empty,
  'files.read': obj({ path: str }, ['path']),
  'files.write': obj({ path: str, text }, ['path', 'text']),
  'files.list': obj({ dir: str }, ['dir']),
  'deployments.create': obj({ blueprintFile: str, deploymentId: str, inputs: valueMap }, ['blueprintFile', 'deploymentId']),
  'deployments.list': empty,
  'deployments.get': obj({ deploymentId: str }, ['deploymentId']),
  'deployments.delete': obj({ deploymentId: str, force: bool }, ['deploymentId']),
  'deployments.outputs': obj({ deploymentId: str }, ['deploymentId']),
  'deployments.plan': obj({ deploymentId: str }, ['deploymentId']),
  'deployments.setPoliciesPaused': obj({ deploymentId: str, paused: bool }, ['deploymentId', 'paused']),
  'executions.start': obj(
    { deploymentId: str, workflow: str, parameters: valueMap, dryRun: bool, whenBusy: { enum: ['queue', 'refuse'] } },
    ['deploymentId', 'workflow'],
  ),
  'executions.list': obj({ deploymentId: str }),
  'executions.get': obj({ executionId: str }, ['executionId']),
  'executions.cancel': obj({ executionId: str, force: bool }, ['executionId']),
  'executions.resume': obj({ executionId: str }, ['executionId']),
  'instances.list': obj({ deploymentId: str, nodeId: str }, ['deploymentId']),
  'events.query': obj({ ...filterProperties, afterSeq: int, limit: { type: 'integer', minimum: 1, maximum: 100_000 } }),
  'metrics.query': obj(
    {
      deploymentId: str,
      nodeId: str,
      instanceId: str,
      metric: str,
      from: { type: 'number' },
      to: { type: 'number' },
      stepMs: { type: 'number', exclusiveMinimum: 0 },
      aggregation: { enum: ['avg', 'min', 'max', 'sum', 'last', 'rate'] },
    },
    ['deploymentId', 'metric', 'from', 'to'],
  ),
  'metrics.list': obj({ deploymentId: str }, ['deploymentId']),
  'load.generate': obj(
    {
      deploymentId: str,
      rps: { type: 'number', minimum: 0, maximum: 500 },
      seconds: { type: 'number', minimum: 0, maximum: 600 },
      path: { type: 'string', pattern: '^/', maxLength: 1024 },
      wait: bool,
    },
    ['deploymentId', 'rps', 'seconds'],
  ),
  'secrets.list': empty,
  // Same name rule as get_secret references in blueprints: no path separators or spaces.
  'secrets.set': obj(
    { name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' }, value: { type: 'string', maxLength: 1048576 } },
    ['name', 'value'],
  ),
  'secrets.delete': obj({ name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' } }, ['name']),
};

/** The envelope of a request arriving over a wire (WebSocket or MessagePort). */
export const wireRequestSchema: Schema = {
  oneOf: [
    obj({ kind: { const: 'call' }, id: int, method: { enum: [...hostMethodNames] }, params: {} }, ['kind', 'id', 'method']),
    obj({ kind: { const: 'subscribe' }, id: int, filter: eventFilterSchema }, ['kind', 'id', 'filter']),
    obj({ kind: { const: 'unsubscribe' }, id: int }, ['kind', 'id']),
  ],
};

/** A compiled validator that reports failures as one readable message. */
export type Check = (data: unknown) => { ok: true } | { ok: false; message: string };

function describe(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors
    .slice(0, 5)
    .map((e) => {
      const where = e.instancePath === '' ? 'params' : `params${e.instancePath.replaceAll('/', '.')}`;
      if (e.keyword === 'additionalProperties') {
        return `${where} has unknown property '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
      }
      return `${where} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

function wrap(validate: ValidateFunction): Check {
  return (data) => (validate(data) ? { ok: true } : { ok: false, message: describe(validate.errors) });
}

/** Compiled validators for every method, the filter and the envelope; compile once per process. */
export interface ContractValidators {
  params(method: HostMethod): Check;
  filter: Check;
  wire: Check;
}

/** Compiles the schemas above (ajv compiles each to code once; calls are then cheap). */
export function createContractValidators(): ContractValidators {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const byMethod = new Map<HostMethod, Check>();
  for (const method of hostMethodNames) byMethod.set(method, wrap(ajv.compile(methodParamSchemas[method])));
  return {
    params: (method) => {
      const check = byMethod.get(method);
      if (!check) throw new Error(`no schema for host method ${method}`);
      return check;
    },
    filter: wrap(ajv.compile(eventFilterSchema)),
    wire: wrap(ajv.compile(wireRequestSchema)),
  };
}

/** True when `name` is one of the contract's method names. */
export function isHostMethod(name: unknown): name is HostMethod {
  return typeof name === 'string' && (hostMethodNames as readonly string[]).includes(name);
}
