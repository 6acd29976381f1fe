// The pktbridge daemon for the CNI benchmark: started from source on private paths (native backend,
// --no-huge, unique --file-prefix), ready once its CNI socket exists; stopped and cleaned up by PID.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PktbridgeError } from '../../src/errors.js';
import { startBenchProcess, waitUntil } from '../proc.js';

const repo = resolve(import.meta.dirname, '../..');

export interface BenchDaemon {
  cniSocket: string;
  stop(): Promise<void>;
}

export async function startBenchDaemon(): Promise<BenchDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'pb-cnibench-'));
  const filePrefix = `pbcb${randomBytes(3).toString('hex')}`;
  const cniSocket = join(dir, 'cni.sock');
  const daemon = startBenchProcess(
    'pktbridge daemon',
    process.execPath,
    [
      '--import',
      'tsx',
      join(repo, 'src/cli/main.ts'),
      'daemon',
      '--api-socket',
      join(dir, 'api.sock'),
      '--cni-socket',
      cniSocket,
      '--socket-root',
      join(dir, 'sockets'),
      '--state-dir',
      join(dir, 'state'),
      '--metrics',
      'off',
      '--lcores',
      '1',
      '--no-huge',
      '--file-prefix',
      filePrefix,
      '--log-level',
      'warn',
    ],
    { maxLifetimeMs: 3_600_000, cwd: repo },
  );
  const stop = async (): Promise<void> => {
    await daemon.stop(10_000);
    rmSync(`/var/run/dpdk/${filePrefix}`, { recursive: true, force: true });
    for (const name of readdirSync('/tmp')) {
      if (name.startsWith(`pktbridge-${filePrefix}-`))
        rmSync(join('/tmp', name), { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(() => existsSync(cniSocket), 30_000, 'the daemon CNI socket');
  } catch (err) {
    await stop();
    throw new PktbridgeError(
      'UNAVAILABLE',
      `the daemon did not open its CNI socket (is startCniServer wired into src/daemon.ts?): ${String(err)}`,
    );
  }
  return { cniSocket, stop };
}
