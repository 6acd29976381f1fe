// The limit: `dpdk-testpmd --forward-mode=io` in the DUT's position, forwarding port 0 <-> port 1 on
// one busy lcore, over memif (server role) or vhost-user (net_vhost, server mode).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startBenchProcess, waitUntil } from '../proc.js';
import { removeDpdkFiles } from '../../test/helpers/dpdk-files.js';
import type { PathContext, PathUnderTest, RunningPath } from './types.js';
import { socketClientPorts } from '../trafficgen/generator.js';

function dutVdevs(portType: 'memif' | 'vhost-user', sockets: string[]): string[] {
  return sockets.flatMap((socket, i) => [
    '--vdev',
    portType === 'memif'
      ? `net_memif${i},role=server,id=0,socket-abstract=no,socket=${socket}`
      : `net_vhost${i},iface=${socket},queues=1`,
  ]);
}

async function startTestpmdDut(portType: 'memif' | 'vhost-user', ctx: PathContext): Promise<RunningPath> {
  const sockets = [join(ctx.workDir, 'dut0.sock'), join(ctx.workDir, 'dut1.sock')];
  const args = [
    // Line-buffered, or the readiness line sits in a pipe buffer.
    '-oL',
    'dpdk-testpmd',
    '--no-pci',
    // Files unlinked right after mapping: nothing left in /dev/hugepages even after a crash. (memif
    // cannot run --in-memory: it needs the multi-process channel.)
    '--huge-unlink',
    `--file-prefix=${ctx.filePrefix}`,
    // Main and forwarding lcore share the DUT CPU: only the forwarding lcore polls.
    `--lcores=0@${ctx.dutCpu},1@${ctx.dutCpu}`,
    '-m',
    '256',
    '--log-level=lib.eal:error',
    ...dutVdevs(portType, sockets),
    '--',
    '--forward-mode=io',
    '--nb-cores=1',
    '--burst=32',
    '--total-num-mbufs=16384',
  ];
  // Non-interactive testpmd forwards until Enter arrives on stdin, which stays open until stop().
  const proc = startBenchProcess('dpdk-testpmd', 'stdbuf', args, { maxLifetimeMs: ctx.maxLifetimeMs });
  const stop = async (): Promise<void> => {
    await proc.stop(5_000);
    removeDpdkFiles(ctx.filePrefix);
  };
  try {
    await proc.waitFor(/Press enter to exit/, 30_000);
    await waitUntil(() => sockets.every((s) => existsSync(s)), 10_000, 'testpmd DUT sockets');
  } catch (err) {
    await stop();
    throw err;
  }
  return { generatorPorts: socketClientPorts(portType, sockets), stop };
}

async function testpmdMissing(): Promise<string | undefined> {
  const found = ['/usr/bin/dpdk-testpmd', '/usr/local/bin/dpdk-testpmd'].some((p) => existsSync(p));
  return found ? undefined : 'dpdk-testpmd is not installed (apt-get install dpdk)';
}

export const testpmdMemifPath: PathUnderTest = {
  name: 'testpmd-memif',
  label: 'testpmd io (memif)',
  dataplane: 'testpmd',
  portType: 'memif',
  kernel: false,
  unavailableReason: testpmdMissing,
  start: (ctx) => startTestpmdDut('memif', ctx),
};

export const testpmdVhostPath: PathUnderTest = {
  name: 'testpmd-vhost',
  label: 'testpmd io (vhost-user)',
  dataplane: 'testpmd',
  portType: 'vhost-user',
  kernel: false,
  unavailableReason: testpmdMissing,
  start: (ctx) => startTestpmdDut('vhost-user', ctx),
};
