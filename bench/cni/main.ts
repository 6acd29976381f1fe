// CNI latency benchmark: `tsx bench/cni/main.ts [--runs 200] [--concurrent 100] [--interface vhost-user]
// [--daemon-socket PATH] [--out DIR]`. Times whole-process ADD and DEL through the vhost-cni shim (native
// backend, host-local IPAM) against Debian's host-local alone, interleaved in one run, then attaches
// `concurrent` pods at once. Writes JSON; target: shim ADD p50 <= 2x host-local ADD p50.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { acquireDataplaneLock } from '../lock.js';
import { startBenchDaemon, type BenchDaemon } from './daemon.js';
import { timedExec } from './exec.js';
import { summarize } from './stats.js';

const repo = resolve(import.meta.dirname, '../..');
const HOST_LOCAL = '/usr/lib/cni/host-local';

const options = new Command('cni-bench')
  .option('--runs <n>', 'sequential ADD+DEL pairs per plugin', (v) => Number(v), 200)
  .option('--concurrent <n>', 'pods attached at once', (v) => Number(v), 100)
  .option('--interface <type>', 'vhost-user or memif', 'vhost-user')
  .option('--daemon-socket <path>', 'use a running daemon instead of starting one')
  .option('--out <dir>', 'where the JSON goes', join(repo, 'bench/out'))
  .parse()
  .opts<{ runs: number; concurrent: number; interface: string; daemonSocket?: string; out: string }>();

const dir = mkdtempSync(join(tmpdir(), 'pb-cnibench-run-'));
const netns = `pbcb${randomBytes(3).toString('hex')}`;
const shim = execFileSync('bash', [join(repo, 'vhost-cni/build.sh')])
  .toString()
  .trim();

function env(command: string, containerId: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: `/var/run/netns/${netns}`,
    CNI_IFNAME: 'net1',
    CNI_PATH: `${join(shim, '..')}:/usr/lib/cni`,
    CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod',
  };
}

const ipam = (name: string): Record<string, unknown> => ({
  type: 'host-local',
  subnet: '10.200.0.0/16',
  dataDir: join(dir, `ipam-${name}`),
});

async function main(): Promise<void> {
  const lock = await acquireDataplaneLock(600_000, (pids) =>
    console.error(`waiting for the dataplane lock (${pids})`),
  );
  let daemon: BenchDaemon | undefined;
  execFileSync('ip', ['netns', 'add', netns]);
  try {
    daemon = options.daemonSocket ? undefined : await startBenchDaemon();
    const daemonSocket = options.daemonSocket ?? daemon!.cniSocket;
    const shimConf = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'bench-vhost',
      type: 'vhost-cni',
      interface: { type: options.interface },
      ipam: ipam('shim'),
      daemonSocket,
    });
    const hostLocalConf = JSON.stringify({ cniVersion: '1.0.0', name: 'bench-hl', ipam: ipam('hl') });
    const expectOk = (what: string, code: number | null, stdout: string): void => {
      if (code !== 0) throw new Error(`${what} failed (${code}): ${stdout}`);
    };

    const sequential = {
      shimAdd: [] as number[],
      shimDel: [] as number[],
      hlAdd: [] as number[],
      hlDel: [] as number[],
    };
    for (let i = 0; i < options.runs; i++) {
      const id = `bench-seq-${i}`;
      // Interleaved so both plugins see the same machine state.
      const hlAdd = await timedExec(HOST_LOCAL, env('ADD', id), hostLocalConf);
      expectOk('host-local ADD', hlAdd.code, hlAdd.stdout);
      const shimAdd = await timedExec(shim, env('ADD', id), shimConf);
      expectOk('vhost-cni ADD', shimAdd.code, shimAdd.stdout);
      const hlDel = await timedExec(HOST_LOCAL, env('DEL', id), hostLocalConf);
      expectOk('host-local DEL', hlDel.code, hlDel.stdout);
      const shimDel = await timedExec(shim, env('DEL', id), shimConf);
      expectOk('vhost-cni DEL', shimDel.code, shimDel.stdout);
      sequential.hlAdd.push(hlAdd.ms);
      sequential.shimAdd.push(shimAdd.ms);
      sequential.hlDel.push(hlDel.ms);
      sequential.shimDel.push(shimDel.ms);
    }

    const ids = Array.from({ length: options.concurrent }, (_, i) => `bench-par-${i}`);
    // Failures are reported, not thrown: the engine may run out of ports before `concurrent` pods.
    const concurrentRun = async (plugin: string, command: string, conf: string) => {
      const started = performance.now();
      const results = await Promise.all(ids.map((id) => timedExec(plugin, env(command, id), conf)));
      const failed = results.filter((r) => r.code !== 0);
      return {
        totalMs: Math.round((performance.now() - started) * 1000) / 1000,
        perCall: summarize(results.map((r) => r.ms)),
        failed: failed.length,
        firstError: failed[0]?.stdout.trim(),
      };
    };
    const concurrent = {
      hostLocalAdd: await concurrentRun(HOST_LOCAL, 'ADD', hostLocalConf),
      hostLocalDel: await concurrentRun(HOST_LOCAL, 'DEL', hostLocalConf),
      shimAdd: await concurrentRun(shim, 'ADD', shimConf),
      shimDel: await concurrentRun(shim, 'DEL', shimConf),
    };

    const add = { shim: summarize(sequential.shimAdd), hostLocal: summarize(sequential.hlAdd) };
    const del = { shim: summarize(sequential.shimDel), hostLocal: summarize(sequential.hlDel) };
    const ratio = Math.round((add.shim.p50Ms / add.hostLocal.p50Ms) * 100) / 100;
    const report = {
      benchmark: 'cni-latency',
      at: new Date().toISOString(),
      interface: options.interface,
      backend: 'native',
      ipam: 'host-local',
      runs: options.runs,
      concurrentPods: options.concurrent,
      sequential: { add, del },
      concurrent,
      target: { rule: 'vhost-cni ADD p50 <= 2 x host-local ADD p50', addP50Ratio: ratio, met: ratio <= 2 },
    };
    mkdirSync(options.out, { recursive: true });
    const file = join(options.out, `cni-latency-${report.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
    console.error(`written to ${file}`);
  } finally {
    await daemon?.stop();
    execFileSync('ip', ['netns', 'del', netns]);
    rmSync(dir, { recursive: true, force: true });
    await lock.release();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
