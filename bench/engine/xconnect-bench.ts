// Benchmark: pktbridge's cross-connect against dpdk-testpmd --forward-mode=io in the same middle
// position. A traffic testpmd (two memif or virtio-user ports, io mode, `start tx_first 32` so many
// bursts are in flight) loops packets through the middle forwarder; the middle is either the engine
// (one worker on CPU 1) or a second testpmd (forwarding lcore on CPU 1). Rounds alternate between the
// two forwarders because this VM drifts between slow and fast phases; medians are reported.
// Run: flock /tmp/pktbridge-dataplane.lock npx tsx bench/engine/xconnect-bench.ts [--rounds 5]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../../native-dpdk/index.js';
import { startProcess } from '../../test/helpers/process.js';
import {
  parseNicStats,
  portVdevArg,
  startTestpmd,
  uniquePrefix,
  type TestpmdPort,
} from '../../test/helpers/testpmd.js';
import { removeDpdkFiles } from '../../test/integration/native-dpdk/fixture.js';

type PortType = 'memif' | 'vhost-user';
type Middle = 'pktbridge' | 'testpmd';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '64,1518' },
    types: { type: 'string', default: 'memif,vhost-user' },
    out: { type: 'string', default: 'bench/out/engine-xconnect.json' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const sizes = values.sizes.split(',').map(Number);
const types = values.types.split(',') as PortType[];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** A hung round (seen with a vhost middle testpmd) is recorded as NaN instead of stalling the run. */
async function bounded(round: Promise<number>, label: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      console.error(`${label}: no result within 45 s, recorded as NaN`);
      resolve(Number.NaN);
    }, 45_000);
  });
  try {
    return await Promise.race([
      round.catch((err: unknown) => (console.error(label, err), Number.NaN)),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The traffic generator: interactive testpmd fed from a pipe, returns received Mpps over both ports. */
async function measure(type: PortType, sockets: string[], size: number): Promise<number> {
  const filePrefix = uniquePrefix('tr');
  const ports: TestpmdPort[] = sockets.map((socketPath) =>
    type === 'memif' ? { kind: 'memif', socketPath, role: 'client' } : { kind: 'virtio-user', socketPath },
  );
  const args = [
    '--no-pci',
    `--file-prefix=${filePrefix}`,
    '--lcores=0@1,1@0',
    '-m',
    '512',
    '--single-file-segments',
  ];
  ports.forEach((port, i) => args.push('--vdev', portVdevArg(port, i)));
  args.push(
    '--',
    '-i',
    '--forward-mode=io',
    '--burst=32',
    `--txpkts=${size}`,
    '--total-num-mbufs=32768',
    '--nb-cores=1',
  );
  // testpmd's printf output to a pipe is block-buffered: without stdbuf the stats never arrive.
  const traffic = startProcess('stdbuf', ['-oL', 'dpdk-testpmd', ...args], {
    keepStdinOpen: true,
    maxLifetimeMs: 60_000,
  });
  try {
    // The prompt's tail only: stderr (e.g. vhost's promiscuous-mode warnings) can split 'testpmd> ', even between '>' and the space.
    await traffic.waitFor(/pmd>/, 30_000);
    traffic.child.stdin?.write('start tx_first 32\n');
    await sleep(2_000);
    traffic.child.stdin?.write('clear port stats all\n');
    const mark = traffic.output().length;
    await sleep(seconds * 1_000);
    traffic.child.stdin?.write('show port stats all\n');
    const deadline = Date.now() + 5_000;
    let stats = parseNicStats(traffic.output().slice(mark));
    while (stats.size < 2 && Date.now() < deadline) {
      await sleep(50);
      stats = parseNicStats(traffic.output().slice(mark));
    }
    const received = (stats.get(0)?.rxPackets ?? 0) + (stats.get(1)?.rxPackets ?? 0);
    if (received === 0)
      console.error(`no packets looped; traffic testpmd said:\n${traffic.output().slice(-3000)}`);
    traffic.child.stdin?.write('stop\nquit\n');
    return received / seconds / 1e6;
  } finally {
    await traffic.stop(3_000);
    removeDpdkFiles(filePrefix);
  }
}

async function middleTestpmd(type: PortType, sockets: string[]) {
  const vdevs = sockets.flatMap((socket, i) => [
    '--vdev',
    type === 'memif'
      ? `net_memif${i},role=server,socket-abstract=no,socket=${socket}`
      : `net_vhost${i},iface=${socket},queues=1`,
  ]);
  return startTestpmd({
    ports: [],
    forwardMode: 'io',
    lcores: '0@0,1@1',
    extraEalArgs: vdevs,
    memoryMb: 512,
  });
}

const filePrefix = uniquePrefix('bench');
const dir = mkdtempSync('/tmp/pbbench-');
const engine = await Engine.init({ workerCpus: [1], filePrefix, memoryMb: 512, logLevel: 'error' });
const results: Array<Record<string, unknown>> = [];
try {
  for (const type of types) {
    for (const size of sizes) {
      const samples: Record<Middle, number[]> = { pktbridge: [], testpmd: [] };
      for (let round = 0; round < rounds; round++) {
        for (const middle of (round % 2 ? ['testpmd', 'pktbridge'] : ['pktbridge', 'testpmd']) as Middle[]) {
          const sockets = [0, 1].map((i) => join(dir, `${type}-${size}-${round}-${middle}-${i}.sock`));
          if (middle === 'pktbridge') {
            for (const [i, socketPath] of sockets.entries()) {
              await engine.addPort(
                type === 'memif'
                  ? { kind: 'memif', name: `p${i}`, socketPath, role: 'server' }
                  : { kind: 'vhost-user', name: `p${i}`, socketPath, mode: 'server' },
              );
            }
            await engine.connect('p0', 'p1');
            try {
              samples.pktbridge.push(
                await bounded(measure(type, sockets, size), `${type} ${size}B pktbridge`),
              );
            } finally {
              await engine.removePort('p0');
              await engine.removePort('p1');
            }
          } else {
            // Bounded as a whole: a vhost middle testpmd once hung outside the measurement itself.
            const testpmdRound = async (): Promise<number> => {
              const mid = await middleTestpmd(type, sockets);
              try {
                return await measure(type, sockets, size);
              } finally {
                await mid.stop();
              }
            };
            samples.testpmd.push(await bounded(testpmdRound(), `${type} ${size}B testpmd`));
          }
          console.error(
            `${type} ${size}B round ${round} ${middle}: ${samples[middle].at(-1)!.toFixed(2)} Mpps`,
          );
        }
      }
      const pktbridgeMpps = median(samples.pktbridge);
      const testpmdMpps = median(samples.testpmd);
      results.push({
        type,
        frameSize: size,
        pktbridgeMpps,
        testpmdMpps,
        ratio: pktbridgeMpps / testpmdMpps,
        samples,
      });
    }
  }
} finally {
  await engine.shutdown();
  rmSync(dir, { recursive: true, force: true });
  removeDpdkFiles(filePrefix);
}
const report = { date: new Date().toISOString(), rounds, seconds, results };
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify(report, null, 2));
console.log(JSON.stringify(report, null, 2));
