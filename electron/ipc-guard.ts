/**
 * Main's gate for every IPC message, after VS Code's validatedIpcMain: the sender must be
 * our UI's main frame, and the payload must match its channel's schema. Pure (frames are
 * described by url and isMainFrame) so a test can drive it without Electron.
 */
import { Ajv } from 'ajv';
import type { HostError, HostMethod } from '../engine/host/contract';
import { createContractValidators, type Check } from '../engine/host/ws-schemas';
import { shellPayloadSchemas } from './ipc-schemas';
import { isTrustedSender } from './security';

/** What main knows about the frame a message came from. */
export interface SenderFrame {
  url: string;
  isMainFrame: boolean;
}

export type Verdict = { ok: true } | { ok: false; error: HostError };

export class IpcGuard {
  private readonly contract = createContractValidators();
  private readonly shell = new Map<string, Check>();

  constructor(private readonly devServerOrigin?: string) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    for (const [channel, schema] of Object.entries(shellPayloadSchemas)) {
      const validate = ajv.compile(schema);
      this.shell.set(channel, (data) =>
        validate(data)
          ? { ok: true }
          : { ok: false, message: (validate.errors ?? []).map((e) => `payload${e.instancePath.replaceAll('/', '.')} ${e.message ?? 'is invalid'}`).join('; ') },
      );
    }
  }

  /** Checks a host method call. */
  checkHostCall(method: HostMethod, frame: SenderFrame | null | undefined, params: unknown): Verdict {
    if (!isTrustedSender(frame, this.devServerOrigin)) return forbidden(frame);
    const check = this.contract.params(method)(params ?? {});
    return check.ok ? check : { ok: false, error: { code: 'invalid-params', message: `${method}: ${check.message}` } };
  }

  /** Checks a shell channel message. */
  checkShell(channel: string, frame: SenderFrame | null | undefined, payload: unknown): Verdict {
    if (!isTrustedSender(frame, this.devServerOrigin)) return forbidden(frame);
    const check = this.shell.get(channel);
    if (!check) return { ok: false, error: { code: 'invalid-params', message: `unknown channel ${channel}` } };
    const result = check(payload ?? {});
    return result.ok ? result : { ok: false, error: { code: 'invalid-params', message: result.message } };
  }
}

function forbidden(frame: SenderFrame | null | undefined): Verdict {
  const where = !frame ? 'a destroyed frame' : frame.isMainFrame ? frame.url : `a subframe (${frame.url})`;
  return { ok: false, error: { code: 'forbidden', message: `IPC from ${where} refused` } };
}
