// The quickstart: a daemon on embedded defaults, two "pods" (network namespaces) attached through the
// real CNI path (cnitool → vhost-cni → daemon, as Multus calls it), testpmd in each pod sending and
// receiving through pktbridge's poll-mode worker, live throughput, then CNI DEL and a clean machine.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { startProcess, run, type ManagedProcess } from '../test/helpers/process.js';
import { startTestpmd, type Testpmd, type TestpmdPort } from '../test/helpers/testpmd.js';
import { podEalArgs } from '../src/podargs/eal-args.js';
import { deviceInfoSchema, type NetworkStatusEntry } from '../src/podargs/network-status.js';

const repo = resolve(import.meta.dirname, '..');
const optionsSchema = z.object({
  type: z.enum(['memif', 'vhost-user']).default('memif'),
  duration: z.coerce.number().int().min(1).max(3600).default(5),
  keep: z.boolean().default(false),
});
type DemoOptions = z.infer<typeof optionsSchema>;

class DemoError extends Error {}

function parseArgs(argv: string[]): DemoOptions {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') raw.keep = true;
    else if (arg === '--type' || arg === '--duration') raw[arg.slice(2)] = argv[++i];
    else if (arg === '-h' || arg === '--help') {
      console.log('usage: npm run demo -- [--type memif|vhost-user] [--duration SECONDS] [--keep]');
      process.exit(0);
    } else throw new DemoError(`unknown argument '${arg}' (try --help)`);
  }
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DemoError(`--${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

let stepNo = 0;
const STEPS = 6;
function step(text: string): void {
  console.log(`\n[${++stepNo}/${STEPS}] ${text}`);
}
function say(text: string): void {
  console.log(`      ${text}`);
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, command)));
}

function preflight(): void {
  if (process.getuid?.() !== 0)
    throw new DemoError('run the demo as root (it creates network namespaces and uses hugepages)');
  if (!onPath('dpdk-testpmd')) {
    throw new DemoError(
      'DPDK is not installed (no dpdk-testpmd on PATH): apt-get install dpdk, or run scripts/setup.sh',
    );
  }
  for (const [file, fix] of [
    [join(repo, 'dist/src/cli/main.js'), 'pktbridge is not built: run scripts/setup.sh'],
    [join(repo, 'vhost-cni/build/vhost-cni'), 'the vhost-cni shim is not built: run scripts/setup.sh'],
    [join(repo, '.tools/cnitool'), 'cnitool is not built: run scripts/setup.sh'],
    [
      '/usr/lib/cni/host-local',
      'the reference CNI plugins are missing: apt-get install containernetworking-plugins',
    ],
  ] as const) {
    if (!existsSync(file)) throw new DemoError(fix);
  }
  // SYSFS_ROOT, as in hugepage-scripts, lets the tests show this message without touching the host.
  const sysfs = process.env.SYSFS_ROOT ?? '/sys';
  let free = 0;
  try {
    free = Number(readFileSync(join(sysfs, 'kernel/mm/hugepages/hugepages-2048kB/free_hugepages'), 'utf8'));
  } catch {
    // no 2 MB pool at all: reported below like an empty one
  }
  if (!(free >= 256)) {
    throw new DemoError(
      `only ${free} free 2 MB hugepages (the demo needs 256): bash hugepage-scripts/hugepages.sh reserve --pages 1024`,
    );
  }
}

/** Everything the demo made, undone in reverse order however it ends. */
const cleanups: { what: string; undo: () => Promise<unknown> | unknown }[] = [];
async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    const { what, undo } = cleanups.pop()!;
    try {
      await undo();
    } catch (err) {
      console.error(`      could not ${what}: ${(err as Error).message}`);
    }
  }
}

async function sh(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await run(command, args, { env: { ...process.env, ...env }, timeoutMs: 30_000 });
  if (result.code !== 0)
    throw new DemoError(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Packets per second between two changes of a counter that testpmd prints once a second. */
class RateMeter {
  count = 0;
  pps = 0;
  peak = 0;
  private changedAt = 0;

  update(count: number, now: number): void {
    if (count === this.count) return;
    if (this.changedAt > 0) {
      this.pps = (count - this.count) / ((now - this.changedAt) / 1000);
      this.peak = Math.max(this.peak, this.pps);
    }
    this.count = count;
    this.changedAt = now;
  }
}

const mpps = (pps: number): string => `${(pps / 1e6).toFixed(2)} Mpps`;

function progressBar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const cniResultSchema = z.object({
  interfaces: z
    .array(z.object({ name: z.string(), mac: z.string().optional(), sandbox: z.string().optional() }))
    .default([]),
  ips: z.array(z.object({ address: z.string() })).default([]),
});

interface PhaseSetup {
  pods: string[];
  statuses: NetworkStatusEntry[][];
  duration: number;
}

/** The pod app's port, from the device-info the CNI result described. */
function podPort(status: NetworkStatusEntry[] | undefined): TestpmdPort {
  const info = status?.[0]?.['device-info'];
  if (info?.memif) return { kind: 'memif', socketPath: info.memif.path };
  if (info?.['vhost-user']) return { kind: 'virtio-user', socketPath: info['vhost-user'].path };
  throw new DemoError('the CNI result named no socket for the pod');
}

/**
 * testpmd's lcores: main lcore (idle, prints stats) beside the daemon's worker on CPU 1; the busy
 * forwarding lcore on CPU 0 for the sender and, when the machine has a third CPU, on CPU 2 for the
 * receiver. On two CPUs both pods' pollers share CPU 0 (never at real-time priority), which caps
 * what the demo can show: see the benchmark for the dataplane's real rates.
 */
function podLcores(forwardMode: 'txonly' | 'rxonly'): string {
  return forwardMode === 'rxonly' && availableParallelism() >= 3 ? '0@1,1@2' : '0@1,1@0';
}

/** Starts testpmd txonly in one pod and rxonly in the other, shows live rates, stops both. */
async function runPhase(
  setup: PhaseSetup,
  from: number,
  to: number,
): Promise<{ received: number; peakPps: number }> {
  const start = (index: number, forwardMode: 'txonly' | 'rxonly'): Promise<Testpmd> =>
    startTestpmd({
      ports: [podPort(setup.statuses[index])],
      forwardMode,
      lcores: podLcores(forwardMode),
      netns: setup.pods[index],
      maxLifetimeMs: (setup.duration + 60) * 1000,
    });
  const receiver = await start(to, 'rxonly');
  const stopReceiver = { what: 'stop the receiving testpmd', undo: () => receiver.stop() };
  cleanups.push(stopReceiver);
  const sender = await start(from, 'txonly');
  const stopSender = { what: 'stop the sending testpmd', undo: () => sender.stop() };
  cleanups.push(stopSender);
  // The clock starts once both apps print their first statistics (EAL init and memif connect are done).
  await Promise.all([sender.waitForStats(() => true, 30_000), receiver.waitForStats(() => true, 30_000)]);
  const started = Date.now();
  const sent = new RateMeter();
  const received = new RateMeter();
  while (Date.now() - started < setup.duration * 1000) {
    await new Promise((r) => setTimeout(r, 200));
    const now = Date.now();
    sent.update(sender.latestStats().get(0)?.txPackets ?? 0, now);
    received.update(receiver.latestStats().get(0)?.rxPackets ?? 0, now);
    const bar = progressBar((now - started) / (setup.duration * 1000));
    const rates = `${setup.pods[from]} sends ${mpps(sent.pps)} → ${setup.pods[to]} receives ${mpps(received.pps)}`;
    process.stdout.write(`\r      ${bar} ${rates}   `);
  }
  process.stdout.write('\n');
  await sender.stop();
  const { forward } = await receiver.stop();
  cleanups.splice(cleanups.indexOf(stopSender), 1);
  cleanups.splice(cleanups.indexOf(stopReceiver), 1);
  return { received: forward.get(0)?.rxPackets ?? received.count, peakPps: received.peak };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  step('Checking the machine: root, DPDK, the pktbridge build, cnitool, free hugepages');
  preflight();
  say('all present');

  const id = `${process.pid}`;
  const runDir = mkdtempSync('/tmp/pbdemo-');
  cleanups.push({ what: `remove ${runDir}`, undo: () => rmSync(runDir, { recursive: true, force: true }) });
  const apiSocket = join(runDir, 'api.sock');
  const cniSocket = join(runDir, 'cni.sock');

  step('Starting the pktbridge daemon: native DPDK backend, one poll-mode worker on CPU 1');
  const daemon: ManagedProcess = startProcess(
    process.execPath,
    [
      join(repo, 'bin/pktbridge.js'),
      'daemon',
      '--api-socket',
      apiSocket,
      '--cni-socket',
      cniSocket,
      '--socket-root',
      join(runDir, 's'),
      '--state-dir',
      join(runDir, 'state'),
      '--lcores',
      '1',
      '--file-prefix',
      `pbdemo${id}`,
      '--metrics',
      'off',
    ],
    { maxLifetimeMs: 24 * 3600_000 },
  );
  cleanups.push({ what: 'stop the daemon', undo: () => daemon.stop(10_000) });
  await daemon.waitFor(/"msg":"ready"/, 30_000);
  say(`ready: API on ${apiSocket}, CNI requests on ${cniSocket}`);

  step('Creating two pods: one network namespace each');
  const pods = [`pbdemo-a-${id}`, `pbdemo-b-${id}`];
  for (const pod of pods) {
    await sh('ip', ['netns', 'add', pod]);
    cleanups.push({ what: `delete netns ${pod}`, undo: () => sh('ip', ['netns', 'delete', pod]) });
  }
  say(pods.join(', '));

  step(
    `Attaching net1 (${options.type}) to each pod through CNI, as Multus would: cnitool → vhost-cni → daemon`,
  );
  const confDir = join(runDir, 'net.d');
  mkdirSync(confDir);
  const netconf = {
    cniVersion: '1.0.0',
    name: 'demo-net',
    type: 'vhost-cni',
    daemonSocket: cniSocket,
    interface: { type: options.type },
    capabilities: { CNIDeviceInfoFile: true },
    ipam: { type: 'host-local', ranges: [[{ subnet: '198.18.0.0/24' }]], dataDir: join(runDir, 'ipam') },
  };
  writeFileSync(join(confDir, '10-demo-net.conf'), JSON.stringify(netconf, null, 2));
  say(`NetworkAttachmentDefinition-style config:\n      ${JSON.stringify(netconf)}`);
  const cniEnv = (pod: string): NodeJS.ProcessEnv => ({
    NETCONFPATH: confDir,
    CNI_PATH: `${join(repo, 'vhost-cni/build')}:/usr/lib/cni`,
    CNI_IFNAME: 'net1',
    CAP_ARGS: JSON.stringify({ CNIDeviceInfoFile: deviceInfoFile(pod) }),
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_INFRA_CONTAINER_ID=${pod}`,
  });
  const deviceInfoFile = (pod: string): string => join(runDir, `${pod}-net1.json`);
  const cnitool = join(repo, '.tools/cnitool');
  const statuses: NetworkStatusEntry[][] = [];
  for (const pod of pods) {
    const netnsPath = `/var/run/netns/${pod}`;
    const out = await sh(cnitool, ['add', 'demo-net', netnsPath], cniEnv(pod));
    cleanups.push({
      what: `CNI DEL ${pod}`,
      undo: () => sh(cnitool, ['del', 'demo-net', netnsPath], cniEnv(pod)),
    });
    const result = cniResultSchema.parse(JSON.parse(out));
    // What Multus copies into the pod's network-status annotation: the device-info file we asked for.
    const deviceInfo = deviceInfoSchema.parse(JSON.parse(readFileSync(deviceInfoFile(pod), 'utf8')));
    const status: NetworkStatusEntry = {
      name: 'default/demo-net',
      interface: 'net1',
      ips: result.ips.map((ip) => ip.address),
      mac: result.interfaces.find((i) => i.sandbox)?.mac,
      'device-info': deviceInfo,
    };
    const socket = deviceInfo.memif?.path ?? deviceInfo['vhost-user']?.path;
    say(`${pod}: net1 socket ${socket}, IP ${status.ips?.join(', ') || '-'}`);
    statuses.push([status]);
  }

  step(`Traffic through pktbridge's worker (the network's L2 bridge), ${options.duration} s each way`);
  if (availableParallelism() < 3) {
    say("(2 CPUs: both pods' pollers share CPU 0 while the worker polls CPU 1, so rates here are a");
    say(' fraction of what the worker forwards; `npx tsx bench/main.ts --quick` measures it properly)');
  }
  say('Each pod runs dpdk-testpmd with the EAL arguments `pktbridge pod-args` derives for it:');
  for (const [index, pod] of pods.entries())
    say(`${pod}: dpdk-testpmd ${podEalArgs(statuses[index] ?? []).args.join(' ')}`);
  const phase = { pods, statuses, duration: options.duration };
  const aToB = await runPhase(phase, 0, 1);
  say('The apps restart with roles swapped; pktbridge keeps its ports and the pods reconnect:');
  const bToA = await runPhase(phase, 1, 0);
  const ports = await sh(process.execPath, [
    join(repo, 'bin/pktbridge.js'),
    '--api-socket',
    apiSocket,
    'ports',
  ]);
  say(`the daemon's view of its ports:\n${ports.replace(/^/gm, '      ')}`);
  for (const [from, to, result] of [
    [pods[0], pods[1], aToB],
    [pods[1], pods[0], bToA],
  ] as const) {
    say(
      `${from} → ${to}: ${result.received.toLocaleString()} packets received (peak ${mpps(result.peakPps)})`,
    );
    if (result.received === 0)
      throw new DemoError(`${to} received nothing from ${from}: see the daemon log above`);
  }

  if (options.keep) {
    for (const [index, forwardMode] of [
      [1, 'rxonly'],
      [0, 'txonly'],
    ] as const) {
      const app = await startTestpmd({
        ports: [podPort(statuses[index])],
        forwardMode,
        netns: pods[index],
        maxLifetimeMs: 24 * 3600_000,
      });
      cleanups.push({ what: `stop testpmd in ${pods[index]}`, undo: () => app.stop() });
    }
    say(`Left running (${pods[0]} sending to ${pods[1]}). Explore with:`);
    say(`  export PKTBRIDGE_API_SOCKET=${apiSocket}`);
    say('  npx pktbridge status; npx pktbridge ports; npx pktbridge stats --watch');
    say('Press Ctrl-C to detach everything and clean up.');
    await new Promise<void>((resolveWait) => process.once('SIGINT', () => resolveWait()));
  }

  step('Detaching both pods through CNI DEL, stopping the apps and the daemon, removing the namespaces');
  await cleanup();
  say('the machine is as the demo found it');
  console.log(
    '\nNext: `npm run demo -- --type vhost-user`, `npm run demo -- --keep` to explore with the CLI,\n' +
      'the NetworkAttachmentDefinition examples in deploy/, and the configuration reference in the README.',
  );
}

process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));
main().catch(async (err: unknown) => {
  process.stdout.write('\n');
  console.error(`demo: ${err instanceof DemoError ? err.message : (err as Error).stack}`);
  console.error('      cleaning up…');
  await cleanup();
  process.exit(1);
});
