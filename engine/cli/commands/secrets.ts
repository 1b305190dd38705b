/**
 * `trellis secrets list|set|delete`: the named secrets blueprints read with get_secret.
 * A value is read from stdin or a file, never from the command line, so it does not end up
 * in shell history or in the process list.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { addCommonOptions, printJson, unwrap, withHost, type CommonOptions } from '../run-support';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One trailing newline (from `echo` or a heredoc) is not part of the secret. */
function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

export function register(program: Command): void {
  const secrets = program.command('secrets').description('list, set and delete the secrets get_secret reads');

  addCommonOptions(secrets.command('list').description('list secret names (never values)')).action(
    async (opts: CommonOptions) => {
      await withHost(opts, async (host) => {
        const list = unwrap(await host.call('secrets.list', {}));
        if (opts.json) printJson(list);
        else if (list.length === 0) console.log('no secrets');
        else for (const s of list) console.log(`${s.name}\t${s.store}\t${s.updatedAt}`);
      });
    },
  );

  addCommonOptions(
    secrets
      .command('set')
      .description('store a secret; the value comes from stdin or --from-file')
      .argument('<name>', 'the secret name, as get_secret refers to it')
      .option('--from-file <path>', 'read the value from this file (kept as is)'),
  ).action(async (name: string, opts: CommonOptions & { fromFile?: string }) => {
    const value = opts.fromFile ? readFileSync(opts.fromFile, 'utf8') : withoutFinalNewline(await readStdin());
    await withHost(opts, async (host) => {
      const info = unwrap(await host.call('secrets.set', { name, value }));
      if (opts.json) printJson(info);
      else console.log(`secret "${info.name}" stored (${info.store})`);
    });
  });

  addCommonOptions(secrets.command('delete').description('delete a secret').argument('<name>', 'the secret name')).action(
    async (name: string, opts: CommonOptions) => {
      await withHost(opts, async (host) => {
        unwrap(await host.call('secrets.delete', { name }));
        if (opts.json) printJson({ deleted: name });
        else console.log(`secret "${name}" deleted`);
      });
    },
  );
}
