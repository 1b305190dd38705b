#!/usr/bin/env node
// `npm run bench -- <suite...>`: runs test/bench/<suite>.bench.ts (all suites without args).
import { register } from 'tsx/esm/api';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
register();
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'bench');
const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length ? wanted : all;
for (const suite of suites) {
  if (!all.includes(suite)) {
    console.error(`unknown bench suite "${suite}"; have: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== bench: ${suite} ==`);
  const mod = await import(join(dir, `${suite}.bench.ts`));
  await mod.run(process.argv.slice(2));
}
