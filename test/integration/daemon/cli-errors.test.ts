// The CLI without a daemon and with bad usage: clear messages and the documented exit codes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/process.js';

const repo = resolve(import.meta.dirname, '../../..');
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    timeoutMs: 30_000,
  });

describe('pktbridge CLI errors', () => {
  const nowhere = join(mkdtempSync(join(tmpdir(), 'pbcli-')), 'api.sock');

  it('says the daemon is not running and exits 3 when nothing listens', async () => {
    const result = await cli(['status'], { PKTBRIDGE_API_SOCKET: nowhere });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the daemon is not running (nothing listens on ${nowhere})`);
  });

  it('exits 3 too when the socket file exists but nobody answers', async () => {
    const stale = join(mkdtempSync(join(tmpdir(), 'pbcli-')), 'api.sock');
    writeFileSync(stale, '');
    const result = await cli(['--api-socket', stale, 'ports', '--json']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('the daemon is not running');
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli(['port', 'add', 'memif', 'm0'], { PKTBRIDGE_API_SOCKET: nowhere })).code).toBe(2);
    expect((await cli(['xconnect', 'a'], { PKTBRIDGE_API_SOCKET: nowhere })).code).toBe(2);
    expect((await cli(['port', 'add', 'memif', 'm0', '--socket', '/x', '--id', 'seven'])).code).toBe(2);
    expect((await cli(['no-such-command'])).code).toBe(2);
  });

  it('refuses a bad daemon config with the field named and exit 2', async () => {
    const result = await cli(['daemon', '--lcores', 'x-y', '--api-socket', nowhere]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/INVALID_ARGUMENT: lcores: /);
  });
});
