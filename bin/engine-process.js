#!/usr/bin/env node
// The engine process that Electron main forks as a utilityProcess. It runs the engine's
// TypeScript sources through tsx, as the CLI does, rather than a bundle: plugins locate
// their type libraries (YAML) beside their sources, which a single bundle would lose.
import { register } from 'tsx/esm/api';
register();
await import('../engine/host/entry-engine-process.ts');
