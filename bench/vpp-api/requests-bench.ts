// Requests per second through transport + codec + connection against the replay server process:
// control_ping one at a time and pipelined, and sw_interface_dump of N interfaces.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VppConnection } from '../../vpp-api/connection.js';
import { measureAsync, type Measurement } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RequestResults {
  controlPingSequential: Measurement;
  controlPingPipelined: Measurement & { outstanding: number };
  swInterfaceDump: Measurement & { interfaces: number; detailsPerSec: number };
}

async function startServer(socketPath: string, interfaces: number): Promise<ChildProcess> {
  const child = fork(path.join(here, 'replay-server.ts'), [socketPath, String(interfaces)], {
    // tsx resolved from this file, so the bench runs from any working directory.
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: 'inherit',
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => ['exited']),
  ])) as [string];
  if (message !== 'ready') throw new Error('replay server did not start');
  return child;
}

export async function benchRequests(interfaces: number, outstanding: number): Promise<RequestResults> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vpp-bench-'));
  const socketPath = path.join(dir, 'api.sock');
  const server = await startServer(socketPath, interfaces);
  try {
    const conn = await VppConnection.connect({
      socketPath,
      clientName: 'bench',
      reconnect: false,
      maxOutstanding: outstanding,
    });
    const sequentialBatch = 5000;
    const controlPingSequential = await measureAsync(async () => {
      for (let i = 0; i < sequentialBatch; i++) await conn.request('control_ping');
    }, sequentialBatch);
    const pipelinedBatch = 20000;
    const controlPingPipelined = await measureAsync(async () => {
      await Promise.all(Array.from({ length: pipelinedBatch }, () => conn.request('control_ping')));
    }, pipelinedBatch);
    const dumpBatch = 300;
    let details = 0;
    const dump = await measureAsync(async () => {
      for (let i = 0; i < dumpBatch; i++)
        details = (await conn.dump('sw_interface_dump', { name_filter_valid: false })).length;
    }, dumpBatch);
    if (details !== interfaces) throw new Error(`dump returned ${details} details, expected ${interfaces}`);
    await conn.close();
    return {
      controlPingSequential,
      controlPingPipelined: { ...controlPingPipelined, outstanding },
      swInterfaceDump: { ...dump, interfaces, detailsPerSec: dump.opsPerSec * interfaces },
    };
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}
