// `npm run vpp:generate` writes vpp-api/generated/ from the bundled .api.json files;
// `npm run vpp:check` (--check) exits 1, listing the files, when the checked-in code is stale.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledApiDir, loadDefinitions } from '../definitions.js';
import { emitAll } from './emit.js';

const defaultOutDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../generated');

/** Flags: --check (compare, do not write), --out DIR (default vpp-api/generated). */
function main(argv: string[]): number {
  const check = argv.includes('--check');
  const outFlag = argv.indexOf('--out');
  const outDir = outFlag >= 0 && argv[outFlag + 1] ? path.resolve(argv[outFlag + 1]!) : defaultOutDir;
  const files = emitAll(loadDefinitions(bundledApiDir()));
  const existing = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.ts')) : [];
  const stale = [...files]
    .filter(
      ([name, text]) =>
        !existsSync(path.join(outDir, name)) || readFileSync(path.join(outDir, name), 'utf8') !== text,
    )
    .map(([name]) => name);
  const extra = existing.filter((name) => !files.has(name));
  if (check) {
    if (stale.length === 0 && extra.length === 0) {
      console.log(`${outDir} is up to date (${files.size} files)`);
      return 0;
    }
    console.error(
      `${outDir} is stale: ${[...stale, ...extra.map((f) => `${f} (obsolete)`)].join(', ')}; run \`npm run vpp:generate\``,
    );
    return 1;
  }
  mkdirSync(outDir, { recursive: true });
  for (const name of stale) writeFileSync(path.join(outDir, name), files.get(name)!);
  for (const name of extra) rmSync(path.join(outDir, name));
  console.log(
    `wrote ${stale.length} of ${files.size} files to ${outDir}${extra.length ? `, removed ${extra.join(', ')}` : ''}`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
