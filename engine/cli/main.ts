/**
 * The `trellis` command. Each sub-command lives in engine/cli/commands/<name>.ts and exports
 * `register(program)`; they are discovered here so commands can be added without editing
 * this file.
 */
import { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CommandModule {
  register(program: Command): void;
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('trellis')
    .description('Design and run Cloudify-DSL blueprints')
    .showHelpAfterError()
    .exitOverride();
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as CommandModule;
    mod.register(program);
  }
  return program;
}

async function main(): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    if (typeof code === 'number') process.exitCode = code;
    else {
      console.error(`trellis: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    }
  }
}

await main();
