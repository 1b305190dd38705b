/**
 * `trellis serve [--port N] [--open] [--home DIR]`: the browser build. Serves the built
 * renderer (out/renderer) and the engine over a WebSocket on 127.0.0.1 only, guarded by a
 * random per-start token, and prints the URL to open (token included).
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostClient } from '../../host/contract';
import { openHost } from '../../host/open-host';
import { startHostServer, type RunningHostServer } from '../../host/ws-server';

interface ServeOptions {
  port: string;
  file?: string;
  open?: boolean;
  home?: string;
  static?: string;
}

/** Where the browser build lands (vite.renderer.config.ts / electron.vite.config.ts). */
export const defaultStaticDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../out/renderer');

/** Starts serving; resolves with the running server (the command keeps it open). */
export async function serve(options: {
  host: HostClient;
  port?: number;
  staticDir?: string;
  log?: (line: string) => void;
}): Promise<RunningHostServer> {
  const staticDir = options.staticDir ?? defaultStaticDir;
  const log = options.log ?? ((line: string) => console.log(line));
  if (!existsSync(resolve(staticDir, 'index.html'))) {
    log(`trellis serve: no renderer build in ${staticDir} (run \`npm run build:web\`); serving the WebSocket only`);
  }
  return startHostServer({ host: options.host, port: options.port ?? 0, staticDir });
}

/** Opens a URL in the default browser, without a shell (the URL carries the token). */
function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => console.error(`trellis serve: could not open a browser; open ${url} yourself`));
  child.unref();
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the designer to a browser on 127.0.0.1 (token-protected)')
    .option('-p, --port <n>', 'TCP port on 127.0.0.1 (0 = any free port)', '0')
    .option('--open', 'open the page in the default browser')
    .option('--home <dir>', 'Trellis home (store, logs); default ~/.trellis or $TRELLIS_HOME')
    .option('--static <dir>', 'renderer build to serve', defaultStaticDir)
    .option('--file <blueprint>', 'blueprint for the page to open first (added to the URL as `file`)')
    .action(async (opts: ServeOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${opts.port}`);
      const host = openHost(opts.home ? { home: opts.home } : {});
      const server = await serve({ host, port, ...(opts.static ? { staticDir: opts.static } : {}) });
      const url = opts.file ? `${server.url}&file=${encodeURIComponent(resolve(opts.file))}` : server.url;
      console.log(`Trellis is serving on ${url}`);
      if (opts.open) openInBrowser(url);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server
            .close()
            .then(() => host.close())
            .finally(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
