import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  spawnPlugin,
  startExecHelper,
  type ExecHelper,
  type PluginRunner,
} from '../../../src/cni/plugin-runner.js';

const repo = join(import.meta.dirname, '..', '..', '..');
let dir: string;
let helper: ExecHelper;

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pb-runner-'));
  const binary = join(
    execFileSync('bash', [join(repo, 'vhost-cni/build.sh')])
      .toString()
      .trim(),
    '..',
    'vhost-cni-exec',
  );
  helper = await startExecHelper(binary, join(dir, 'exec.sock'), pino({ level: 'silent' }));
});

afterAll(async () => {
  await helper.close();
  rmSync(dir, { recursive: true, force: true });
});

const runners: [string, () => PluginRunner][] = [
  ['direct spawn', () => spawnPlugin],
  ['vhost-cni-exec helper', () => helper.run],
];

describe.each(runners)('plugin runner: %s', (_name, runner) => {
  it('passes env and stdin, returns stdout, stderr and the exit code', async () => {
    const plugin = script('echoer', 'echo "cmd=$CNI_COMMAND"; cat; echo oops >&2; exit 3');
    const out = await runner()(plugin, { CNI_COMMAND: 'ADD', PATH: '/usr/bin:/bin' }, '{"a":1}', 5_000);
    expect(out).toEqual({ code: 3, stdout: 'cmd=ADD\n{"a":1}', stderr: 'oops\n', timedOut: false });
  });

  it('moves a 1 MiB stdin and stdout without deadlocking', async () => {
    const plugin = script('cat', 'exec cat');
    const big = 'x'.repeat(1 << 20);
    const out = await runner()(plugin, { PATH: '/usr/bin:/bin' }, big, 10_000);
    expect(out.stdout.length).toBe(big.length);
  });

  it('kills a plugin that outlives its time bound', async () => {
    const plugin = script('sleeper', 'exec sleep 30');
    const started = Date.now();
    const out = await runner()(plugin, { PATH: '/usr/bin:/bin' }, '', 300);
    expect(out.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects a plugin that cannot be executed', async () => {
    await expect(runner()(join(dir, 'missing'), {}, '', 1_000)).rejects.toThrow();
  });
});

describe('exec helper lifecycle', () => {
  it('falls back to a direct spawn once the helper is gone', async () => {
    const binary = join(repo, 'vhost-cni/build/vhost-cni-exec');
    const own = await startExecHelper(binary, join(dir, 'own.sock'), pino({ level: 'silent' }));
    await own.close();
    const plugin = script('ok', 'echo fine');
    expect((await own.run(plugin, { PATH: '/usr/bin:/bin' }, '', 5_000)).stdout).toBe('fine\n');
  });
});
