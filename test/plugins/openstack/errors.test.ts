/**
 * OpenStack failures become the right kind of operation failure: quotas named, transient
 * statuses retried (Retry-After honoured), the request always named.
 */
import { describe, expect, it } from 'vitest';
import { NonRecoverableError, RecoverableError, type OperationContext } from '../../../plugins/sdk';
import { toOperationFailure } from '../../../plugins/openstack/operations/common';
import { FailureKind, OpenStackApiError, cloudMessageOf, parseRetryAfter, quotaName } from '../../../plugins/openstack/port/errors';

const ctx = { node: { name: 'web' }, instance: { id: 'web_abc123' }, operation: { name: 'cloudify.interfaces.lifecycle.create', retryNumber: 0 } } as unknown as OperationContext;
const apiError = (status: number, cloudMessage: string, retryAfter?: number) =>
  new OpenStackApiError({ service: 'compute', method: 'POST', path: '/servers', status, cloudMessage, ...(retryAfter !== undefined ? { retryAfter } : {}) });

describe('OpenStack failures', () => {
  it('names the quota of Nova, Neutron and Cinder quota messages', () => {
    expect(quotaName(403, 'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances')).toBe('instances');
    expect(quotaName(409, "Quota exceeded for resources: ['floatingip'].")).toBe('floatingip');
    expect(quotaName(413, "VolumeLimitExceeded: Maximum number of volumes allowed (10) exceeded for quota 'volumes'.")).toBe('volumes');
    expect(quotaName(400, 'Invalid flavorRef provided.')).toBeUndefined();
  });

  it('turns a quota error into a non-recoverable failure naming the quota, node, operation and request', () => {
    const f = toOperationFailure(ctx, 'server.create', apiError(403, 'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances'));
    expect(f).toBeInstanceOf(NonRecoverableError);
    expect(f.message).toContain('quota exceeded for instances');
    expect(f.message).toContain('web (web_abc123) cloudify.interfaces.lifecycle.create');
    expect(f.message).toContain('POST compute /servers -> 403');
  });

  it('retries 409, 429, 503 and dropped connections, honouring Retry-After', () => {
    for (const status of [409, 429, 503, 0]) expect(apiError(status, 'busy').kind).toBe(FailureKind.transient);
    const f = toOperationFailure(ctx, 'server.create', apiError(429, 'slow down', 17));
    expect(f).toBeInstanceOf(RecoverableError);
    expect(f.retryAfter).toBe(17);
    expect(toOperationFailure(ctx, 'server.create', apiError(503, 'down')).retryAfter).toBeGreaterThan(0);
  });

  it('does not retry a bad request or an authentication failure', () => {
    expect(toOperationFailure(ctx, 'x', apiError(400, 'Invalid input')).nonRetryable).toBe(true);
    expect(toOperationFailure(ctx, 'x', apiError(401, 'The request you have made requires authentication.')).nonRetryable).toBe(true);
  });

  it('reads the message out of each service error body and Retry-After in both forms', () => {
    expect(cloudMessageOf({ NeutronError: { type: 'NetworkInUse', message: 'Unable to complete operation on network' } }, 'x')).toBe('Unable to complete operation on network');
    expect(cloudMessageOf({ itemNotFound: { code: 404, message: 'Instance could not be found.' } }, 'x')).toBe('Instance could not be found.');
    expect(cloudMessageOf({ error: { code: 401, message: 'The request you have made requires authentication.' } }, 'x')).toMatch(/requires authentication/);
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(25);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
