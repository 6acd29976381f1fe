// `pktbridge bench …`: runs the RFC 2544 lab (bench/main.ts) from the repository, passing every
// argument through (`pktbridge bench --help` lists them).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { EXIT } from './context.js';

// src/cli (tsx) or dist/src/cli (compiled): the repository root is two or three levels up.
function repoRoot(): string | undefined {
  return [resolve(import.meta.dirname, '../..'), resolve(import.meta.dirname, '../../..')].find((dir) =>
    existsSync(join(dir, 'bench/main.ts')),
  );
}

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'RFC 2544 throughput lab: pktbridge vs testpmd, OVS-DPDK, VPP and the kernel (see docs/bench.md)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'bench options: --paths, --sizes, --duration, --rounds, --out, --quick, --help …')
    .action(async (args: string[]) => {
      const root = repoRoot();
      if (!root) {
        process.stderr.write(
          'pktbridge bench: bench/ is not here (it runs from a checkout of the repository)\n',
        );
        process.exit(EXIT.FAILURE);
      }
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/main.ts'), ...args], {
        cwd: root,
        stdio: 'inherit',
      });
      // The bench handles Ctrl-C itself (writes what it measured); the CLI just waits for it.
      process.on('SIGINT', () => {});
      const code = await new Promise<number>((done) => child.once('exit', (c) => done(c ?? EXIT.FAILURE)));
      process.exit(code);
    });
}
