// The testpmd loop through OVS-DPDK and through pktbridge's native cross-connect, in one run: one
// testpmd (flowgen: generates and counts on both ports) on CPU 0, the DUT's one poller on CPU 1.
// Usage: flock /tmp/pktbridge-dataplane.lock npx tsx bench/ovs/loop.ts [--seconds N] [--flows N] [--repeat N] [--json FILE]
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { pino } from 'pino';
import { createOvsBackend } from '../../src/backends/ovs/index.js';
import { portNameFor } from '../../src/backends/ovs/transactions.js';
import { ovsDpdkUnavailable, startPrivateOvs } from '../../test/helpers/ovs.js';
import { run, startProcess } from '../../test/helpers/process.js';
import { startTestpmd, uniquePrefix, type TestpmdPort } from '../../test/helpers/testpmd.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const NATIVE_DUT = join(repoRoot, 'bench', 'paths', 'native-dut.ts');
const DUT_CPU = 1;

interface Dut {
  ports: TestpmdPort[];
  stop(): Promise<void>;
}

interface LoopResult {
  dut: string;
  mpps?: number;
  perPortMpps?: number[];
  skipped?: string;
}

/** OVS-DPDK as pods use it: two dpdkvhostuserclient ports made by the backend, port-to-port flows. */
async function startOvsDut(workDir: string): Promise<Dut> {
  const ovs = await startPrivateOvs({ vswitchd: true, pmdCpuMask: `0x${(1 << DUT_CPU).toString(16)}` });
  const backend = createOvsBackend({
    db: ovs.db,
    bridge: 'br-bench',
    createBridge: true,
    log: pino({ level: 'warn' }),
  });
  const stop = async (): Promise<void> => {
    await backend.close();
    await ovs.stop();
  };
  try {
    const sockets: string[] = [];
    for (const name of ['a', 'b']) {
      const socketDir = join(workDir, `ovs-${name}`);
      const spec = {
        id: `bench-${name}:net1`,
        containerId: `bench-${name}`,
        ifname: 'net1',
        network: 'bench',
        iface: { type: 'vhost-user' as const, mode: 'client' as const, queues: 1 },
        socketDir,
        socketPath: join(socketDir, 'net1.sock'),
        socketOwnership: { dirMode: 0o750 },
        connect: { kind: 'bridge' as const, bridge: 'br-bench' },
        backendConfig: {},
      };
      await backend.attach(spec);
      sockets.push(spec.socketPath);
    }
    const mgmt = `unix:${join(ovs.dir, 'br-bench.mgmt')}`;
    const [a, b] = [portNameFor('bench-a:net1'), portNameFor('bench-b:net1')];
    for (const args of [
      ['del-flows', mgmt],
      ['add-flow', mgmt, `in_port=${a},actions=output:${b}`],
      ['add-flow', mgmt, `in_port=${b},actions=output:${a}`],
    ]) {
      const result = await run('ovs-ofctl', args, { timeoutMs: 10_000 });
      if (result.code !== 0) throw new Error(`ovs-ofctl ${args.join(' ')}: ${result.stderr}`);
    }
    return { ports: sockets.map((socketPath) => ({ kind: 'virtio-user', socketPath, server: true })), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** pktbridge's native engine cross-connecting two vhost-user server ports (the bench's DUT process). */
async function startNativeDut(workDir: string): Promise<Dut> {
  const sockets = [join(workDir, 'native0.sock'), join(workDir, 'native1.sock')];
  const filePrefix = uniquePrefix('nd');
  const config = { portType: 'vhost-user', mode: 'xconnect', sockets, workerCpu: DUT_CPU, filePrefix };
  const dut = startProcess(
    join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [NATIVE_DUT, JSON.stringify(config)],
    {
      cwd: repoRoot,
      keepStdinOpen: true,
      maxLifetimeMs: 180_000,
    },
  );
  const stop = async (): Promise<void> => {
    dut.child.stdin?.end();
    await dut.stop(8_000);
    rmSync(`/var/run/dpdk/${filePrefix}`, { recursive: true, force: true });
  };
  try {
    const line = await dut.waitFor(/^\{"type":/, 60_000);
    if (!line.includes('"ready"')) throw new Error(`native DUT: ${line}`);
    return { ports: sockets.map((socketPath) => ({ kind: 'virtio-user', socketPath })), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Mean of testpmd's per-second "Rx-pps" for each port, after dropping the warm-up samples. */
function meanRxPps(output: string, ports: number, warmup: number): number[] {
  const samples: number[][] = Array.from({ length: ports }, () => []);
  const block = /#+ NIC statistics for port (\d+)\s+#+\n([\s\S]*?)\n\s*#{20,}/g;
  for (const match of output.matchAll(block)) {
    const pps = /Rx-pps:\s+(\d+)/.exec(match[2] ?? '');
    if (pps) samples[Number(match[1])]?.push(Number(pps[1]));
  }
  return samples.map((s) => {
    const steady = s.slice(warmup);
    return steady.length === 0 ? 0 : steady.reduce((a, b) => a + b, 0) / steady.length;
  });
}

/** What must be stopped if the run is interrupted (SIGINT/SIGTERM skip Node's exit handlers). */
const interruptCleanups = new Set<() => Promise<void>>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled([...interruptCleanups].map((cleanup) => cleanup())).then(() => process.exit(130));
  });
}

async function measure(
  name: string,
  start: (dir: string) => Promise<Dut>,
  seconds: number,
  flows: number,
): Promise<LoopResult> {
  const workDir = mkdtempSync(join(tmpdir(), 'pbbench-ovs-'));
  let dut: Dut | undefined;
  let testpmd: Awaited<ReturnType<typeof startTestpmd>> | undefined;
  const cleanup = async (): Promise<void> => {
    await testpmd?.stop();
    await dut?.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  interruptCleanups.add(cleanup);
  try {
    dut = await start(workDir);
    const pmd = await startTestpmd({
      ports: dut.ports,
      forwardMode: 'txonly',
      // flowgen sends and counts what comes back on both ports (the harness' type lists no flowgen).
      extraAppArgs: ['--forward-mode=flowgen', `--flowgen-flows=${flows}`],
      lcores: `0@${DUT_CPU},1@0`,
      txPktLen: 64,
      maxLifetimeMs: (seconds + 60) * 1000,
    });
    testpmd = pmd;
    try {
      const warmup = 3;
      await pmd.waitForStats(
        () => (pmd.process.output().match(/Rx-pps/g)?.length ?? 0) >= 2 * (warmup + seconds),
        (seconds + warmup + 20) * 1000,
      );
    } finally {
      await pmd.stop();
    }
    const perPort = meanRxPps(pmd.process.output(), dut.ports.length, 3);
    if (process.env.PKTBRIDGE_BENCH_TRACE)
      console.log(
        pmd.process
          .output()
          .match(/Rx-pps:\s+\d+/g)
          ?.join(' '),
      );
    return {
      dut: name,
      mpps: perPort.reduce((a, b) => a + b, 0) / 1e6,
      perPortMpps: perPort.map((p) => p / 1e6),
    };
  } finally {
    await cleanup();
    interruptCleanups.delete(cleanup);
  }
}

interface DutSummary {
  dut: string;
  /** Median of the repeats, in Mpps; undefined when skipped. */
  mpps?: number;
  runs: LoopResult[];
  skipped?: string;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      flows: { type: 'string', default: '64' },
      repeat: { type: 'string', default: '3' },
      json: { type: 'string' },
    },
  });
  const seconds = z.coerce.number().int().min(1).max(120).parse(values.seconds);
  // Distinct UDP flows per port: OVS classifies each (its exact-match cache), a cross-connect does not.
  const flows = z.coerce.number().int().min(1).max(65535).parse(values.flows);
  // The 2 cores are shared with other work: DUTs alternate and the median is reported.
  const repeat = z.coerce.number().int().min(1).max(10).parse(values.repeat);
  const nativeMissing = existsSync(NATIVE_DUT)
    ? undefined
    : `${NATIVE_DUT} not found (the native DUT has not landed)`;
  const duts: { name: string; start: (dir: string) => Promise<Dut>; missing?: string }[] = [
    { name: 'ovs-dpdk', start: startOvsDut, missing: ovsDpdkUnavailable(512) },
    { name: 'pktbridge-native', start: startNativeDut, missing: nativeMissing },
  ];
  const summaries: DutSummary[] = duts.map((d) => ({
    dut: d.name,
    runs: [],
    ...(d.missing ? { skipped: d.missing } : {}),
  }));
  for (let i = 0; i < repeat; i++) {
    for (const [index, dut] of duts.entries()) {
      const summary = summaries[index] as DutSummary;
      if (summary.skipped) continue;
      const result = await measure(dut.name, dut.start, seconds, flows).catch((err: Error): LoopResult => ({
        dut: dut.name,
        skipped: err.message.split('\n')[0] ?? 'failed',
      }));
      summary.runs.push(result);
      console.log(
        `run ${i + 1}/${repeat} ${dut.name}: ${result.mpps?.toFixed(3) ?? `failed: ${result.skipped}`}`,
      );
    }
  }
  for (const summary of summaries) {
    const mpps = summary.runs.flatMap((r) => (r.mpps !== undefined ? [r.mpps] : []));
    if (mpps.length > 0) summary.mpps = median(mpps);
    else summary.skipped ??= summary.runs[0]?.skipped ?? 'no successful run';
  }
  const [ovs, native] = summaries;
  const ratio = ovs?.mpps && native?.mpps ? native.mpps / ovs.mpps : undefined;
  console.log(`\n64-byte frames, ${flows} flows per port, ${seconds} s per run, median of ${repeat}:`);
  for (const s of summaries) {
    const runs = s.runs.flatMap((r) => (r.mpps !== undefined ? [r.mpps.toFixed(2)] : [])).join(', ');
    console.log(
      `${s.dut.padEnd(18)} ${s.mpps !== undefined ? `${s.mpps.toFixed(3)} Mpps  (runs: ${runs})` : `skipped: ${s.skipped}`}`,
    );
  }
  if (ratio !== undefined) console.log(`ratio pktbridge / OVS-DPDK: ${ratio.toFixed(2)}`);
  if (values.json) {
    writeFileSync(
      values.json,
      JSON.stringify({ seconds, frameSize: 64, flows, repeat, duts: summaries, ratio }, null, 2),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
