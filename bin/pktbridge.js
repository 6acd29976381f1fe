#!/usr/bin/env node
// Entry point of the `pktbridge` command: runs the compiled CLI from dist/ (npm run build:ts).
/* global process, URL */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write(
    `pktbridge: the CLI is not compiled (${main} is missing).\n` +
      'Run "npm run build:ts" in the repository first (or "npm run build" for the addon too).\n',
  );
  process.exit(1);
}
await import(pathToFileURL(main).href);
