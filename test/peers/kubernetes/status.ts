/**
 * `Status` bodies shaped like the real API server's failures (meta/v1 Status): the client
 * and the plugin read `reason`, `code` and `message` from them.
 */

/** An API failure the router turns into a Status response. */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The JSON Status body for a failure. */
export function statusBody(error: ApiStatusError): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    ...(error.details ? { details: error.details } : {}),
    code: error.code,
  };
}

/** `deployments.apps` style qualified resource name used in messages. */
export function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const notFound = (resource: string, group: string, name: string) =>
  new ApiStatusError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource });

export const alreadyExists = (resource: string, group: string, name: string) =>
  new ApiStatusError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group, kind: resource });

export const conflict = (resource: string, group: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  new ApiStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`, { name, group, kind: resource });

export const invalid = (kind: string, group: string, name: string, causes: { field: string; message: string }[]) =>
  new ApiStatusError(
    422,
    'Invalid',
    `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
    { name, group, kind, causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })) },
  );

export const badRequest = (message: string) => new ApiStatusError(400, 'BadRequest', message);
export const unauthorized = () => new ApiStatusError(401, 'Unauthorized', 'Unauthorized');
export const unsupportedMedia = (type: string) => new ApiStatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${type})`);
export const methodNotAllowed = (method: string) => new ApiStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
