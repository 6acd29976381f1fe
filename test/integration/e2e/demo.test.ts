// End to end: the README's quickstart (scripts/demo.ts) moves packets both ways between two pods
// through the real CNI path and leaves nothing behind; it fails with a clear message when the
// machine is not ready.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/process.js';

const repo = resolve(import.meta.dirname, '../../..');

function demo(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000) {
  // node by absolute path, with tsx as a loader, so a test can take PATH away from the demo.
  return run(process.execPath, ['--import', 'tsx', join(repo, 'scripts/demo.ts'), ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    timeoutMs,
  });
}

const isRoot = process.getuid?.() === 0;

describe('quickstart demo', () => {
  it.skipIf(!isRoot)(
    'carries packets both ways through pktbridge and leaves no namespace, socket, process or hugepage file',
    async () => {
      const result = await demo(['--duration', '2']);
      const output = result.stdout + result.stderr;
      expect(result.code, output).toBe(0);

      const crossed = [
        ...output.matchAll(/(pbdemo-[ab]-\d+) → (pbdemo-[ab]-\d+): ([\d,]+) packets received/g),
      ];
      expect(crossed.map((m) => [m[1]?.slice(0, 8), m[2]?.slice(0, 8)])).toEqual([
        ['pbdemo-a', 'pbdemo-b'],
        ['pbdemo-b', 'pbdemo-a'],
      ]);
      for (const match of crossed) expect(Number(match[3]?.replace(/,/g, ''))).toBeGreaterThan(0);

      const runDir = /API on (\/tmp\/pbdemo-[^/]+)\/api\.sock/.exec(output)?.[1];
      expect(runDir).toBeDefined();
      expect(existsSync(runDir ?? '/')).toBe(false);
      const pid = /pbdemo-a-(\d+)/.exec(output)?.[1] ?? 'none';
      const netns = await run('ip', ['netns', 'list']);
      expect(netns.stdout).not.toContain(`pbdemo-a-${pid}`);
      expect(netns.stdout).not.toContain(`pbdemo-b-${pid}`);
      expect(readdirSync('/dev/hugepages').filter((f) => f.startsWith(`pbdemo${pid}`))).toEqual([]);
      const processes = await run('pgrep', ['-f', `pbdemo${pid}`]);
      expect(processes.stdout.trim()).toBe('');
    },
    240_000,
  );

  it('refuses a bad flag with a usage message', async () => {
    const result = await demo(['--type', 'tap']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/demo: --type: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it.skipIf(!isRoot)(
    'says DPDK is missing, without a stack trace, when dpdk-testpmd is not on PATH',
    async () => {
      const result = await demo([], { PATH: '/nonexistent' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('DPDK is not installed');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it.skipIf(!isRoot)('says how to reserve hugepages when none are free', async () => {
    const sysfs = mkdtempSync(join(tmpdir(), 'pbdemo-sysfs-'));
    try {
      const pool = join(sysfs, 'kernel/mm/hugepages/hugepages-2048kB');
      mkdirSync(pool, { recursive: true });
      writeFileSync(join(pool, 'free_hugepages'), '0\n');
      const result = await demo([], { SYSFS_ROOT: sysfs });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('hugepages.sh reserve');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(sysfs, { recursive: true, force: true });
    }
  });
});
