#!/usr/bin/env node
// The `trellis` command. Runs the TypeScript sources through tsx, so a fresh clone needs
// only `npm ci` (no build step) for the CLI.
import { register } from 'tsx/esm/api';
register();
await import('../engine/cli/main.ts');
