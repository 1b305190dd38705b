/**
 * Volumes (Cinder v3, through the plugin's own requests: pkgcloud's block-storage client
 * speaks v1/v2 only). Create records the id before waiting for `available`.
 */
import { NonRecoverableError, type OperationContext, type OperationHandler } from '../../sdk';
import type { OpenStackPort } from '../port/port';
import type { Volume } from '../port/types';
import { pollUntil } from '../port/wait';
import { forget, operation, portFor, progressLogger, record, recordedId, resourceSpec, str, recordCloud } from './common';

/** Waits for a volume status; `error*` statuses fail. */
export async function waitVolume(ctx: OperationContext, port: OpenStackPort, id: string, wanted: string[], what: string): Promise<Volume | undefined> {
  const log = progressLogger(ctx, `volume ${id} ${what}`);
  return pollUntil<Volume>({
    what: `volume ${id} ${wanted.join('/')}`,
    read: () => port.getVolume(id),
    done: (v) => (v === undefined ? wanted.includes('gone') : wanted.includes(v.status)),
    failed: (v) => (v === undefined ? `volume ${id} disappeared` : v.status.startsWith('error') ? `volume ${id} is in status ${v.status}` : undefined),
    progress: (v, ms) => log(v?.status, ms),
    signal: ctx.signal,
  });
}

const createVolume: OperationHandler = async (ctx) => {
  const port = portFor(ctx);
  const rp = ctx.instance.runtimeProperties;
  recordCloud(rp, port);
  const known = recordedId(ctx.instance);
  if (known) {
    const v = await port.getVolume(known);
    if (v) {
      ctx.logger.info(`volume ${known} already recorded (${v.status}): using it`);
      if (v.status !== 'available' && v.status !== 'in-use') await waitVolume(ctx, port, known, ['available', 'in-use'], 'creating');
      return;
    }
  }
  const spec = resourceSpec(ctx, 'volume');
  if (spec.external) {
    const ref = spec.lookup;
    if (!ref) throw new NonRecoverableError('use_external_resource needs resource_config.id or a name (resource_id) to find the volume');
    const found = (await port.getVolume(ref)) ?? (await port.listVolumes({ name: ref }))[0];
    if (found) {
      await record(ctx, found, 'volume', true);
      return;
    }
    if (!spec.createIfMissing) throw new NonRecoverableError(`external volume "${ref}" not found (use_external_resource without create_if_missing)`);
  }
  const { id: _id, ...body } = spec.config;
  body.name = str(body.name) ?? ctx.instance.id;
  if (body.size === undefined) body.size = 1;
  const v = await port.createVolume(body);
  await record(ctx, v, 'volume', false);
  await waitVolume(ctx, port, v.id, ['available'], 'creating');
  ctx.logger.info(`created volume ${v.id}`);
};

const startVolume: OperationHandler = async (ctx) => {
  const id = recordedId(ctx.instance);
  if (!id) return;
  await waitVolume(ctx, portFor(ctx), id, ['available', 'in-use'], 'starting');
};

const deleteVolume: OperationHandler = async (ctx) => {
  const id = recordedId(ctx.instance);
  if (!id) return;
  if (ctx.instance.runtimeProperties.external_resource === true) {
    ctx.logger.info(`volume ${id} is external: not deleting it`);
  } else {
    const port = portFor(ctx);
    await port.deleteVolume(id);
    await waitVolume(ctx, port, id, ['gone'], 'deleting');
  }
  await forget(ctx, ['attachment_id', 'attached_to', 'device']);
};

export const volumeOperations: Record<string, OperationHandler> = {
  'volume.create': operation('volume.create', createVolume),
  'volume.start': operation('volume.start', startVolume),
  'volume.delete': operation('volume.delete', deleteVolume),
};
