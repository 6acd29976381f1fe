// pktbridge's native engine as the DUT: cross-connect over memif or vhost-user, and the L2 bridge over
// memif. The engine runs in a child process (native-dut.ts) so it has its own EAL.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PktbridgeError } from '../../src/errors.js';
import { startBenchProcess, waitUntil } from '../proc.js';
import { removeDpdkFiles } from '../../test/helpers/dpdk-files.js';
import { NATIVE_ADDON, NATIVE_INDEX, type NativeDutConfig } from './native-config.js';
import type { PathContext, PathUnderTest, RunningPath } from './types.js';
import { socketClientPorts } from '../trafficgen/generator.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const DUT_SCRIPT = join(here, 'native-dut.ts');
const TSX = join(repoRoot, 'node_modules', '.bin', 'tsx');

async function startNativeDut(
  portType: NativeDutConfig['portType'],
  mode: NativeDutConfig['mode'],
  ctx: PathContext,
): Promise<RunningPath> {
  const sockets: [string, string] = [join(ctx.workDir, 'dut0.sock'), join(ctx.workDir, 'dut1.sock')];
  const config: NativeDutConfig = {
    portType,
    mode,
    sockets,
    workerCpu: ctx.dutCpu,
    filePrefix: ctx.filePrefix,
  };
  const proc = startBenchProcess('native-dut', TSX, [DUT_SCRIPT, JSON.stringify(config)], {
    maxLifetimeMs: ctx.maxLifetimeMs,
    cwd: repoRoot,
  });
  const stop = async (): Promise<void> => {
    proc.child.stdin?.end();
    await proc.stop(8_000);
    removeDpdkFiles(ctx.filePrefix);
  };
  try {
    const line = await proc.nextLine((l) => l.startsWith('{'), 60_000);
    const message = JSON.parse(line) as { type: string; code?: string; message?: string };
    if (message.type !== 'ready')
      throw new PktbridgeError('UNAVAILABLE', `native DUT failed (${message.code}): ${message.message}`);
    await waitUntil(() => sockets.every((s) => existsSync(s)), 10_000, 'native DUT sockets');
  } catch (err) {
    await stop();
    throw err;
  }
  return { generatorPorts: socketClientPorts(portType, sockets), stop };
}

async function nativeMissing(): Promise<string | undefined> {
  if (!existsSync(NATIVE_INDEX)) return 'the native engine (native-dpdk/index.ts) is missing';
  if (!existsSync(NATIVE_ADDON))
    return `the native addon is not built (${NATIVE_ADDON}): run npm run build:addon`;
  return undefined;
}

export const nativeMemifPath: PathUnderTest = {
  name: 'native-memif',
  label: 'pktbridge xconnect (memif)',
  dataplane: 'pktbridge',
  portType: 'memif',
  kernel: false,
  unavailableReason: nativeMissing,
  start: (ctx) => startNativeDut('memif', 'xconnect', ctx),
};

export const nativeVhostPath: PathUnderTest = {
  name: 'native-vhost',
  label: 'pktbridge xconnect (vhost-user)',
  dataplane: 'pktbridge',
  portType: 'vhost-user',
  kernel: false,
  unavailableReason: nativeMissing,
  start: (ctx) => startNativeDut('vhost-user', 'xconnect', ctx),
};

export const nativeBridgeMemifPath: PathUnderTest = {
  name: 'native-bridge-memif',
  label: 'pktbridge L2 bridge (memif)',
  dataplane: 'pktbridge',
  portType: 'memif',
  kernel: false,
  unavailableReason: nativeMissing,
  start: (ctx) => startNativeDut('memif', 'bridge', ctx),
};
