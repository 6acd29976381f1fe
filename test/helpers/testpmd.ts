// Harness for dpdk-testpmd as a pod-side DPDK application: builds its command line (virtio-user or
// memif ports, no PCI, unique --file-prefix), parses the periodic port statistics, stops by PID and
// removes its hugepage files and runtime directory.
import { randomBytes } from 'node:crypto';
import { removeDpdkFiles } from './dpdk-files.js';
import { startProcess, type ManagedProcess } from './process.js';

export type TestpmdPort =
  /** net_virtio_user: connects to a vhost-user socket (or listens on it with `server`). */
  | { kind: 'virtio-user'; socketPath: string; server?: boolean; queues?: number; mac?: string }
  /** net_memif: a filesystem socket (socket-abstract=no) unless `abstract`. */
  | {
      kind: 'memif';
      socketPath: string;
      role?: 'client' | 'server';
      id?: number;
      abstract?: boolean;
      mac?: string;
    };

export type ForwardMode = 'txonly' | 'rxonly' | 'io' | 'mac';

export interface TestpmdOptions {
  ports: TestpmdPort[];
  forwardMode: ForwardMode;
  /** EAL --lcores; the default keeps the busy forwarding lcore on CPU 0 and the main lcore on CPU 1. */
  lcores?: string;
  noHuge?: boolean;
  memoryMb?: number;
  /** Send one burst per port at start (how io/rxonly modes get traffic going). */
  txFirst?: boolean;
  burst?: number;
  txPktLen?: number;
  /** Destination MAC per port id for txonly/mac modes (testpmd's --eth-peer). */
  ethPeers?: Record<number, string>;
  /** Runs testpmd inside this named network namespace (`ip netns exec`). */
  netns?: string;
  extraEalArgs?: string[];
  extraAppArgs?: string[];
  maxLifetimeMs?: number;
  filePrefix?: string;
}

/** One port's counters as printed by testpmd's "NIC statistics" block (cumulative). */
export interface TestpmdPortStats {
  rxPackets: number;
  rxMissed: number;
  rxBytes: number;
  rxErrors: number;
  rxNombuf: number;
  txPackets: number;
  txErrors: number;
  txBytes: number;
}

/** One port's "Forward statistics" block printed when testpmd stops. */
export interface TestpmdForwardStats {
  rxPackets: number;
  rxDropped: number;
  txPackets: number;
  txDropped: number;
}

export interface Testpmd {
  readonly pid: number;
  readonly filePrefix: string;
  readonly process: ManagedProcess;
  /** The last NIC statistics printed per port id (empty until the first period). */
  latestStats(): Map<number, TestpmdPortStats>;
  /** Resolves once a printed statistics period satisfies `predicate` (checked on each new print). */
  waitForStats(
    predicate: (stats: Map<number, TestpmdPortStats>) => boolean,
    timeoutMs?: number,
  ): Promise<Map<number, TestpmdPortStats>>;
  /** Stops testpmd (SIGINT, then SIGKILL), removes its files, returns its final forward stats. */
  stop(): Promise<{ exit: number | string; forward: Map<number, TestpmdForwardStats> }>;
}

export function uniquePrefix(tag: string): string {
  return `pb${tag}${randomBytes(3).toString('hex')}`;
}

export function portVdevArg(port: TestpmdPort, index: number): string {
  if (port.kind === 'virtio-user') {
    const extra =
      `${port.server ? ',server=1' : ''}${port.queues ? `,queues=${port.queues}` : ''}` +
      `${port.mac ? `,mac=${port.mac}` : ''}`;
    return `net_virtio_user${index},path=${port.socketPath}${extra}`;
  }
  const role = port.role ?? 'client';
  const abstract = port.abstract ? 'yes' : 'no';
  const mac = port.mac ? `,mac=${port.mac}` : '';
  return `net_memif${index},role=${role},id=${port.id ?? 0},socket-abstract=${abstract},socket=${port.socketPath}${mac}`;
}

export function testpmdArgs(options: TestpmdOptions, filePrefix: string): string[] {
  const eal = [
    '--no-pci',
    `--file-prefix=${filePrefix}`,
    `--lcores=${options.lcores ?? '0@1,1@0'}`,
    '-m',
    String(options.memoryMb ?? 256),
    '--log-level=lib.eal:error',
  ];
  // virtio-user passes nothing with hugepages unless the memory is in one file per segment list.
  eal.push(options.noHuge ? '--no-huge' : '--single-file-segments');
  options.ports.forEach((port, i) => eal.push('--vdev', portVdevArg(port, i)));
  eal.push(...(options.extraEalArgs ?? []));
  const app = [
    '--stats-period',
    '1',
    `--forward-mode=${options.forwardMode}`,
    '--total-num-mbufs=8192',
    '--nb-cores=1',
  ];
  if (options.txFirst) app.push('--tx-first');
  if (options.burst) app.push(`--burst=${options.burst}`);
  if (options.txPktLen) app.push(`--txpkts=${options.txPktLen}`);
  for (const [port, mac] of Object.entries(options.ethPeers ?? {})) app.push(`--eth-peer=${port},${mac}`);
  app.push(...(options.extraAppArgs ?? []));
  return [...eal, '--', ...app];
}

const num = (text: string, label: string): number => {
  const match = new RegExp(`${label}:\\s*(\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
};

/** Parses every complete "NIC statistics for port N" block; later blocks override earlier ones. */
export function parseNicStats(output: string): Map<number, TestpmdPortStats> {
  const stats = new Map<number, TestpmdPortStats>();
  const block = /#+ NIC statistics for port (\d+)\s+#+\n([\s\S]*?)\n\s*#{20,}/g;
  for (const match of output.matchAll(block)) {
    const body = match[2] ?? '';
    stats.set(Number(match[1]), {
      rxPackets: num(body, 'RX-packets'),
      rxMissed: num(body, 'RX-missed'),
      rxBytes: num(body, 'RX-bytes'),
      rxErrors: num(body, 'RX-errors'),
      rxNombuf: num(body, 'RX-nombuf'),
      txPackets: num(body, 'TX-packets'),
      txErrors: num(body, 'TX-errors'),
      txBytes: num(body, 'TX-bytes'),
    });
  }
  return stats;
}

/** Parses the per-port "Forward statistics" blocks printed at stop. */
export function parseForwardStats(output: string): Map<number, TestpmdForwardStats> {
  const stats = new Map<number, TestpmdForwardStats>();
  const block = /-+ Forward statistics for port (\d+)\s+-+\n([\s\S]*?)\n\s*-{20,}/g;
  for (const match of output.matchAll(block)) {
    const body = match[2] ?? '';
    stats.set(Number(match[1]), {
      rxPackets: num(body, 'RX-packets'),
      rxDropped: num(body, 'RX-dropped'),
      txPackets: num(body, 'TX-packets'),
      txDropped: num(body, 'TX-dropped'),
    });
  }
  return stats;
}

/** Starts testpmd and resolves once it has started forwarding (its ports are configured). */
export async function startTestpmd(options: TestpmdOptions): Promise<Testpmd> {
  const filePrefix = options.filePrefix ?? uniquePrefix('tp');
  const args = testpmdArgs(options, filePrefix);
  const [command, argv] = options.netns
    ? ['ip', ['netns', 'exec', options.netns, 'dpdk-testpmd', ...args]]
    : ['dpdk-testpmd', args];
  const proc = startProcess(command as string, argv as string[], {
    maxLifetimeMs: options.maxLifetimeMs ?? 120_000,
  });
  let stopped: Promise<{ exit: number | string; forward: Map<number, TestpmdForwardStats> }> | undefined;
  const stop = (): Promise<{ exit: number | string; forward: Map<number, TestpmdForwardStats> }> => {
    stopped ??= (async () => {
      const exit = await proc.stop(5_000);
      removeDpdkFiles(filePrefix);
      return { exit, forward: parseForwardStats(proc.output()) };
    })();
    return stopped;
  };
  try {
    await proc.waitFor(/packet forwarding - ports=/, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid: proc.pid,
    filePrefix,
    process: proc,
    latestStats: () => parseNicStats(proc.output()),
    waitForStats(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = (): void => {
          const stats = parseNicStats(proc.output());
          if (stats.size > 0 && predicate(stats)) return resolve(stats);
          if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
            return reject(
              new Error(`testpmd exited before the expected stats:\n${proc.output().slice(-4000)}`),
            );
          }
          if (Date.now() - started > timeoutMs) {
            return reject(new Error(`timed out waiting for testpmd stats:\n${proc.output().slice(-4000)}`));
          }
          setTimeout(poll, 100);
        };
        poll();
      });
    },
    stop,
  };
}
