/**
 * Blueprints for host tests, written to a temp folder, run with the recording test plugin.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngineHost, type EngineHost, type EngineHostOptions } from '../../../engine/host/engine-host';
import type { HostResult } from '../../../engine/host/contract';
import { createRecordingPlugin, type RecordingPlugin } from '../../support/recording-plugin';

export const APP_BLUEPRINT = `
tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
plugins:
  recording:
    executor: central_deployment_agent
    install: false
inputs:
  db_name:
    type: string
node_types:
  test.Thing:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: recording.create
        configure: recording.configure
        start: recording.start
        stop: recording.stop
        delete: recording.delete
node_templates:
  db:
    type: test.Thing
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: recording.create
          inputs:
            set_runtime:
              resource: { get_input: db_name }
  app:
    type: test.Thing
    capabilities:
      scalable:
        properties: { default_instances: 2, min_instances: 1, max_instances: 4 }
    interfaces:
      cloudify.interfaces.lifecycle:
        configure:
          implementation: recording.configure
          inputs:
            db: { get_attribute: [db, resource] }
    relationships:
      - type: cloudify.relationships.connected_to
        target: db
outputs:
  db_resource:
    value: { get_attribute: [db, resource] }
capabilities:
  endpoint:
    value: { concat: ['db://', { get_attribute: [db, resource] }] }
`;

export const CONSUMER_BLUEPRINT = `
tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
plugins:
  recording:
    executor: central_deployment_agent
    install: false
node_templates:
  client:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: recording.create
          inputs:
            endpoint: { get_capability: [ backend, endpoint ] }
`;

export class HostHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'trellis-host-'));
  readonly home = join(this.dir, 'home');
  readonly recording: RecordingPlugin;
  host: EngineHost;

  constructor(options: Partial<EngineHostOptions> & { journalFile?: string } = {}) {
    this.recording = createRecordingPlugin(options.journalFile ? { journalFile: options.journalFile } : {});
    this.host = this.open(options);
  }

  open(options: Partial<EngineHostOptions> = {}): EngineHost {
    return createEngineHost({ home: this.home, plugins: [this.recording.plugin], events: { flushMs: 5, pollMs: 50 }, ...options });
  }

  write(name: string, text: string): string {
    const file = join(this.dir, name);
    writeFileSync(file, text);
    return file;
  }

  async close(): Promise<void> {
    await this.host.close({ cancelRunning: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Unwraps a HostResult, failing the test with the host's message. */
export function ok<T>(r: HostResult<T>): T {
  if (!r.ok) throw new Error(`host error ${r.error.code}: ${r.error.message}`);
  return r.value;
}

export function err<T>(r: HostResult<T>): { code: string; message: string; problems?: unknown[] } {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value).slice(0, 200)}`);
  return r.error;
}
