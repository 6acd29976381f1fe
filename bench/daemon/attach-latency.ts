// Daemon control-plane benchmark: attach+detach latency of one memif attachment through the gRPC API
// (p50/p99 over N), and the daemon's RSS with 0, M, … attachments. Prints JSON; writes bench/out/.
// Run: flock /tmp/pktbridge-dataplane.lock npx tsx bench/daemon/attach-latency.ts [--iterations 1000] [--counts 0,16,32]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiClient, type ApiClient } from '../../src/api/client.js';

const repo = resolve(import.meta.dirname, '../..');

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '1000' },
    counts: { type: 'string', default: '0,16,32' },
    'max-ports': { type: 'string', default: '32' },
  },
});
const iterations = Number(values.iterations);
const counts = values.counts.split(',').map(Number);
const maxPorts = Number(values['max-ports']);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    n: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1)!),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round((Number(kb) / 1024) * 10) / 10;
}

async function startDaemon(dir: string, filePrefix: string): Promise<ChildProcess> {
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ poolMbufs: 131071, memoryMb: 1024, maxPorts, logLevel: 'warn' }),
  );
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'daemon',
      '--config',
      join(dir, 'config.json'),
      '--api-socket',
      join(dir, 'api.sock'),
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
      'info',
    ],
    { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((ready, fail) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`daemon not ready after 30 s:\n${log}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('"msg":"ready"')) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', () => fail(new Error(`daemon exited:\n${log}`)));
  });
  return child;
}

const attachRequest = (containerId: string) => ({
  container_id: containerId,
  ifname: 'net1',
  network: 'bench',
  memif: {},
});

async function latency(client: ApiClient) {
  const attach: number[] = [];
  const detach: number[] = [];
  const both: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await client.call('CreateAttachment', attachRequest(`lat-${i}`));
    const t1 = performance.now();
    await client.call('DeleteAttachment', { container_id: `lat-${i}`, ifname: 'net1' });
    const t2 = performance.now();
    attach.push(t1 - t0);
    detach.push(t2 - t1);
    both.push(t2 - t0);
  }
  return { attach: summary(attach), detach: summary(detach), attachPlusDetach: summary(both) };
}

async function rssByAttachments(client: ApiClient, pid: number) {
  const out: { attachments: number; rssMb: number }[] = [];
  let made = 0;
  for (const count of [...counts].sort((a, b) => a - b)) {
    if (count > maxPorts) {
      out.push({ attachments: count, rssMb: Number.NaN });
      continue;
    }
    for (; made < count; made++) await client.call('CreateAttachment', attachRequest(`rss-${made}`));
    await new Promise((r) => setTimeout(r, 1000));
    out.push({ attachments: count, rssMb: rssMb(pid) });
  }
  for (let i = 0; i < made; i++)
    await client.call('DeleteAttachment', { container_id: `rss-${i}`, ifname: 'net1' });
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbbench-'));
  const filePrefix = `pbb${randomBytes(3).toString('hex')}`;
  const daemon = await startDaemon(dir, filePrefix);
  const client = createApiClient(join(dir, 'api.sock'));
  try {
    const rss = await rssByAttachments(client, daemon.pid!);
    const result = {
      benchmark: 'daemon-attach',
      at: new Date().toISOString(),
      setup: {
        backend: 'native',
        interface: 'memif (host server)',
        connect: 'network bridge',
        noHuge: true,
        workerCpus: [1],
        maxPorts,
      },
      latency: await latency(client),
      rss,
      note: `attachments beyond ${maxPorts} (RTE_MAX_ETHPORTS of this DPDK build) cannot be made by the native engine`,
    };
    const text = JSON.stringify(result, null, 2);
    process.stdout.write(`${text}\n`);
    mkdirSync(join(repo, 'bench/out'), { recursive: true });
    writeFileSync(join(repo, 'bench/out', `daemon-attach-${Date.now()}.json`), text);
  } finally {
    client.close();
    const exited = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGINT');
    const force = setTimeout(() => daemon.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/var/run/dpdk/${filePrefix}`, { recursive: true, force: true });
    for (const name of readdirSync('/tmp')) {
      if (name.startsWith(`pktbridge-${filePrefix}-`))
        rmSync(join('/tmp', name), { recursive: true, force: true });
    }
  }
}

await main();
