/**
 * Runs the engine in an Electron utilityProcess and keeps it running: a busy or crashed
 * engine never freezes the window. When the engine dies, the window is told (engine
 * status `restarting`), a new engine starts after the RestartPolicy's delay, main's
 * EngineClient re-attaches (subscriptions resume after their last seq), and the
 * executions the dead engine left running are offered for resume (status `ready` with
 * `interrupted`). After a crash loop it gives up and reports `crashed`.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import type { EngineStatus, ExecutionSummary } from '../engine/host/contract';
import type { EngineToMain, MainToEngine } from '../engine/host/ws-engine-port';
import type { SecretStore } from '../engine/store/secrets';
import { EngineClient } from './engine-client';
import { findInterrupted, RestartPolicy } from './restart-policy';

export interface EngineSupervisorOptions {
  /** The engine process bootstrap (bin/engine-process.js). */
  entryPath: string;
  /** Arguments for the entry (e.g. `--home <userData>/engine`). */
  args: string[];
  secrets: SecretStore;
  onStatus(status: EngineStatus): void;
  log(line: string): void;
}

export class EngineSupervisor {
  readonly client = new EngineClient();
  private child: UtilityProcess | undefined;
  private readonly policy = new RestartPolicy();
  private restarts = 0;
  /** When the last engine died (ISO time), to find what it interrupted. */
  private diedAt: string | undefined;
  private stopping = false;
  private status: EngineStatus = { state: 'restarting', restarts: 0, interrupted: [] };

  constructor(private readonly options: EngineSupervisorOptions) {}

  /** The last status sent (for a window that loads after the engine started). */
  currentStatus(): EngineStatus {
    return this.status;
  }

  start(): void {
    this.stopping = false;
    const child = utilityProcess.fork(this.options.entryPath, this.options.args, {
      serviceName: 'Trellis engine',
      stdio: 'inherit',
    });
    this.child = child;
    child.on('message', (message: EngineToMain) => this.onMessage(child, message));
    child.on('exit', (code) => this.onExit(child, code));
  }

  /** Restart on the user's request (after `crashed`). */
  restartNow(): void {
    this.policy.reset();
    if (!this.child) this.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.client.close('the app is quitting');
    const child = this.child;
    if (!child) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill();
    });
  }

  private setStatus(status: EngineStatus): void {
    const changed = status.state !== this.status.state;
    this.status = status;
    this.options.onStatus(status);
    // Event streams (the runner's log) show engine deaths and restarts too.
    if (changed || status.state !== 'ready') {
      const text =
        status.message ??
        (status.interrupted.length > 0
          ? `The engine is running again; ${status.interrupted.length} interrupted execution(s) can be resumed.`
          : 'The engine is running.');
      this.client.notifyEngine(status.state, text);
    }
  }

  private onMessage(child: UtilityProcess, message: EngineToMain): void {
    if (child !== this.child) return;
    switch (message.kind) {
      case 'ready':
        this.client.attach({ postMessage: (m) => child.postMessage(m) });
        void this.reportReady();
        return;
      case 'secret-get':
      case 'secret-set':
      case 'secret-delete':
        void this.answerSecret(child, message);
        return;
      default:
        this.client.receive(message);
    }
  }

  private async reportReady(): Promise<void> {
    let interrupted: ExecutionSummary[] = [];
    if (this.diedAt) {
      const list = await this.client.call('executions.list', {});
      if (list.ok) interrupted = findInterrupted(list.value, this.diedAt);
    }
    this.setStatus({ state: 'ready', restarts: this.restarts, interrupted });
  }

  private async answerSecret(
    child: UtilityProcess,
    request: Extract<EngineToMain, { kind: 'secret-get' | 'secret-set' | 'secret-delete' }>,
  ): Promise<void> {
    let reply: Extract<MainToEngine, { kind: 'secret-reply' }>;
    try {
      if (request.kind === 'secret-get') {
        const value = await this.options.secrets.get(request.name);
        reply = value === undefined ? { kind: 'secret-reply', id: request.id, ok: true } : { kind: 'secret-reply', id: request.id, ok: true, value };
      } else if (request.kind === 'secret-set') {
        await this.options.secrets.set(request.name, request.value);
        reply = { kind: 'secret-reply', id: request.id, ok: true };
      } else {
        await this.options.secrets.delete(request.name);
        reply = { kind: 'secret-reply', id: request.id, ok: true };
      }
    } catch (error) {
      reply = { kind: 'secret-reply', id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    child.postMessage(reply);
  }

  private onExit(child: UtilityProcess, code: number): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.client.detach(`the engine stopped (exit code ${code})`);
    if (this.stopping) return;
    this.diedAt = new Date().toISOString();
    this.options.log(`engine exited with code ${code}`);
    const delay = this.policy.onDeath(Date.now());
    if (delay === null) {
      this.client.markDown(`the engine stopped (exit code ${code}) and was not restarted`);
      this.setStatus({
        state: 'crashed',
        restarts: this.restarts,
        message: `The engine stopped (exit code ${code}) several times in a row and was not restarted.`,
        interrupted: [],
      });
      return;
    }
    this.restarts += 1;
    this.setStatus({
      state: 'restarting',
      restarts: this.restarts,
      message: `The engine stopped (exit code ${code}); restarting.`,
      interrupted: [],
    });
    setTimeout(() => {
      if (!this.stopping) this.start();
    }, delay);
  }
}
