// Harness for a real pktbridge daemon process (from source, via tsx) in tests: unique temp dirs and
// --file-prefix, waits for `ready`, a gRPC client, the CLI, kill -9 and restart, and full cleanup.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApiClient, type ApiClient } from '../../src/api/client.js';
import { removeDpdkFiles } from './dpdk-files.js';
import { run, startProcess, type ManagedProcess } from './process.js';

const repo = resolve(import.meta.dirname, '../..');
const cliEntry = join(repo, 'src/cli/main.ts');

export interface DaemonOptions {
  /** Extra config merged into the daemon's JSON config file (e.g. testPausePoints). */
  config?: Record<string, unknown>;
  /** Worker CPUs (default [1]: testpmd's forwarding lcore takes CPU 0). */
  lcores?: number[];
  maxLifetimeMs?: number;
}

export interface TestDaemon {
  readonly dir: string;
  readonly apiSocket: string;
  readonly socketRoot: string;
  readonly stateDir: string;
  readonly metricsSocket: string;
  readonly filePrefix: string;
  process: ManagedProcess;
  client: ApiClient;
  /** Runs the CLI against this daemon; resolves with exit code and output. */
  cli(
    args: string[],
    env?: NodeJS.ProcessEnv,
  ): Promise<{ code: number | string; stdout: string; stderr: string }>;
  /** Starts the daemon again on the same dirs (after a stop or kill). */
  restart(config?: Record<string, unknown>): Promise<void>;
  kill9(): Promise<void>;
  /** SIGINT then SIGKILL, then removes every file the daemon made. */
  cleanup(): Promise<void>;
}

function removeDpdkLeftovers(filePrefix: string): void {
  removeDpdkFiles(filePrefix);
  // The engine's private relay directory survives a kill -9.
  for (const name of readdirSync('/tmp')) {
    if (name.startsWith(`pktbridge-${filePrefix}-`))
      rmSync(join('/tmp', name), { recursive: true, force: true });
  }
}

export async function startTestDaemon(options: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'pbd-'));
  const filePrefix = `pbd${randomBytes(3).toString('hex')}`;
  const paths = {
    apiSocket: join(dir, 'api.sock'),
    socketRoot: join(dir, 'sockets'),
    stateDir: join(dir, 'state'),
    metricsSocket: join(dir, 'metrics.sock'),
  };
  const configFile = join(dir, 'config.json');
  const spawnDaemon = async (
    config: Record<string, unknown> = options.config ?? {},
  ): Promise<ManagedProcess> => {
    writeFileSync(configFile, JSON.stringify(config));
    const proc = startProcess(
      process.execPath,
      [
        '--import',
        'tsx',
        cliEntry,
        'daemon',
        '--config',
        configFile,
        '--api-socket',
        paths.apiSocket,
        '--socket-root',
        paths.socketRoot,
        '--state-dir',
        paths.stateDir,
        '--metrics',
        `unix:${paths.metricsSocket}`,
        '--lcores',
        (options.lcores ?? [1]).join(','),
        '--no-huge',
        '--file-prefix',
        filePrefix,
      ],
      {
        cwd: repo,
        maxLifetimeMs: options.maxLifetimeMs ?? 300_000,
        env: { ...process.env, PKTBRIDGE_LOG_LEVEL: '' },
      },
    );
    try {
      await proc.waitFor(/"msg":"ready"/, 30_000);
    } catch (err) {
      await proc.stop(2_000);
      throw err;
    }
    return proc;
  };

  let first: ManagedProcess;
  try {
    first = await spawnDaemon();
  } catch (err) {
    removeDpdkLeftovers(filePrefix);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const daemon: TestDaemon = {
    dir,
    ...paths,
    filePrefix,
    process: first,
    client: createApiClient(paths.apiSocket),
    cli(args, env = {}) {
      return run(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
        cwd: repo,
        env: { ...process.env, PKTBRIDGE_API_SOCKET: paths.apiSocket, ...env },
        timeoutMs: 30_000,
      });
    },
    async restart(config) {
      daemon.client.close();
      daemon.process = await spawnDaemon(config);
      daemon.client = createApiClient(paths.apiSocket);
    },
    async kill9() {
      daemon.process.child.kill('SIGKILL');
      await daemon.process.exited;
    },
    async cleanup() {
      daemon.client.close();
      await daemon.process.stop(10_000);
      removeDpdkLeftovers(filePrefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return daemon;
}
