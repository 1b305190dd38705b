/**
 * The engine process: Electron main forks this file as a utilityProcess (see
 * electron/engine-supervisor.ts). It opens the EngineHost with the built-in plugins, keeps
 * secrets with main (the OS keychain is main's), serves the host contract over
 * `process.parentPort`, and tells main it is `ready`.
 *
 * Interrupted executions are not resumed here automatically: main offers them to the user
 * after a restart.
 */
import { openHost } from './open-host';
import { PortSecretStore, serveHostOverPort, type PortLike } from './ws-engine-port';

/** `--home DIR` from the arguments main passes. */
function homeArgument(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--home');
  return at >= 0 ? argv[at + 1] : undefined;
}

function main(): void {
  // Electron gives a utility process `process.parentPort`; plain Node does not.
  const port = (process as unknown as { parentPort?: PortLike }).parentPort;
  if (!port) {
    console.error('entry-engine-process: must be started by the Trellis desktop app (no parentPort)');
    process.exit(2);
  }
  const secrets = new PortSecretStore(port);
  const home = homeArgument(process.argv);
  const host = openHost({ ...(home ? { home } : {}), secretStore: secrets, resumeInterrupted: false });
  const session = serveHostOverPort(port, host, (reply) => secrets.receive(reply));
  const shutdown = () => {
    session.close();
    void host.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  port.postMessage({ kind: 'ready' });
}

main();
