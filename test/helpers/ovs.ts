// Harness for a private Open vSwitch: ovsdb-server on a fresh database and, when asked, the DPDK
// build of ovs-vswitchd, everything under a temporary run directory; stopped by PID.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, startProcess, type ManagedProcess } from './process.js';

export const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
export const OVS_VSWITCHD_DPDK = '/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk';

export interface OvsOptions {
  /** Start ovs-vswitchd (DPDK) too; without it only the database runs. */
  vswitchd?: boolean;
  /** CPU mask for the PMD thread (default one core: CPU 1). */
  pmdCpuMask?: string;
  socketMemMb?: number;
}

export interface PrivateOvs {
  readonly dir: string;
  /** The OVSDB remote, `unix:<dir>/db.sock`. */
  readonly db: string;
  readonly dbSocketPath: string;
  readonly filePrefix: string;
  /** ovs-vsctl against this database (an independent client to check what the backend did). */
  vsctl(...args: string[]): Promise<string>;
  /** ovs-appctl against this ovs-vswitchd. */
  appctl(...args: string[]): Promise<string>;
  startVswitchd(): Promise<void>;
  stopVswitchd(): Promise<void>;
  stopOvsdb(): Promise<void>;
  startOvsdb(): Promise<void>;
  vswitchdLog(): string;
  stop(): Promise<void>;
}

export function hasOvsDpdk(): string | undefined {
  for (const path of [OVS_SCHEMA, OVS_VSWITCHD_DPDK, '/usr/sbin/ovsdb-server', '/usr/bin/ovsdb-tool']) {
    if (!existsSync(path)) return `${path} is missing (install openvswitch-switch-dpdk)`;
  }
  return undefined;
}

/** Why ovs-vswitchd with DPDK cannot run here (binaries, or too few free hugepages), or undefined. */
export function ovsDpdkUnavailable(socketMemMb = 256): string | undefined {
  const missing = hasOvsDpdk();
  if (missing) return missing;
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const free = Number(/HugePages_Free:\s+(\d+)/.exec(meminfo)?.[1] ?? 0);
  const pageKb = Number(/Hugepagesize:\s+(\d+) kB/.exec(meminfo)?.[1] ?? 0);
  const freeMb = (free * pageKb) / 1024;
  // OVS-DPDK always runs with --in-memory, which needs hugepages (no --no-huge fallback).
  if (freeMb < socketMemMb) return `only ${freeMb} MB of free hugepages; OVS-DPDK needs ${socketMemMb} MB`;
  return undefined;
}

async function waitUntil(
  what: string,
  predicate: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPrivateOvs(options: OvsOptions = {}): Promise<PrivateOvs> {
  const dir = mkdtempSync(join(tmpdir(), 'pbovs-'));
  const dbSocketPath = join(dir, 'db.sock');
  const db = `unix:${dbSocketPath}`;
  const filePrefix = `pbovs${randomBytes(3).toString('hex')}`;
  const env = {
    ...process.env,
    OVS_RUNDIR: dir,
    OVS_DBDIR: dir,
    OVS_LOGDIR: dir,
    OVS_PKGDATADIR: '/usr/share/openvswitch',
  };
  let ovsdb: ManagedProcess | undefined;
  let vswitchd: ManagedProcess | undefined;

  const check = async (command: string, args: string[]): Promise<string> => {
    const result = await run(command, args, { env, timeoutMs: 20_000 });
    if (result.code !== 0)
      throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout.trim();
  };
  const vsctl = (...args: string[]): Promise<string> =>
    check('ovs-vsctl', [`--db=${db}`, '--timeout=10', ...args]);

  const instance: PrivateOvs = {
    dir,
    db,
    dbSocketPath,
    filePrefix,
    vsctl,
    appctl: (...args) => check('ovs-appctl', ['-t', join(dir, 'ovs-vswitchd.ctl'), ...args]),
    async startOvsdb() {
      ovsdb = startProcess(
        'ovsdb-server',
        [
          join(dir, 'conf.db'),
          `--remote=punix:${dbSocketPath}`,
          `--pidfile=${join(dir, 'ovsdb-server.pid')}`,
          `--unixctl=${join(dir, 'ovsdb-server.ctl')}`,
          `--log-file=${join(dir, 'ovsdb-server.log')}`,
        ],
        { env, maxLifetimeMs: 600_000 },
      );
      await waitUntil('ovsdb-server socket', () => existsSync(dbSocketPath), 10_000);
    },
    async stopOvsdb() {
      await ovsdb?.stop(3_000);
      ovsdb = undefined;
      rmSync(dbSocketPath, { force: true });
    },
    async startVswitchd() {
      vswitchd = startProcess(
        OVS_VSWITCHD_DPDK,
        [
          db,
          `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`,
          `--unixctl=${join(dir, 'ovs-vswitchd.ctl')}`,
          `--log-file=${join(dir, 'ovs-vswitchd.log')}`,
        ],
        { env, maxLifetimeMs: 600_000 },
      );
      const proc = vswitchd;
      await waitUntil(
        'ovs-vswitchd dpdk_initialized',
        async () => {
          if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
            throw new Error(`ovs-vswitchd exited:\n${proc.output().slice(-3000)}`);
          }
          return (await vsctl('get', 'Open_vSwitch', '.', 'dpdk_initialized')) === 'true';
        },
        30_000,
      );
    },
    async stopVswitchd() {
      await vswitchd?.stop(5_000);
      vswitchd = undefined;
    },
    vswitchdLog: () => vswitchd?.output() ?? '',
    async stop() {
      await instance.stopVswitchd();
      await instance.stopOvsdb();
      rmSync(dir, { recursive: true, force: true });
      rmSync(`/var/run/dpdk/${filePrefix}`, { recursive: true, force: true });
    },
  };

  try {
    await check('ovsdb-tool', ['create', join(dir, 'conf.db'), OVS_SCHEMA]);
    await instance.startOvsdb();
    await vsctl('--no-wait', 'init');
    if (options.vswitchd) {
      await vsctl(
        '--no-wait',
        'set',
        'Open_vSwitch',
        '.',
        'other_config:dpdk-init=true',
        `other_config:dpdk-socket-mem=${options.socketMemMb ?? 256}`,
        `other_config:pmd-cpu-mask=${options.pmdCpuMask ?? '0x2'}`,
        // The main lcore on CPU 0; the PMD alone on its core. No PCI probing of the host's NICs.
        'other_config:dpdk-lcore-mask=0x1',
        `other_config:dpdk-extra=--file-prefix=${filePrefix} --no-pci`,
        // vhost-sock-dir defaults to OVS_RUNDIR, i.e. `dir`, where dpdkvhostuser sockets appear.
      );
      await instance.startVswitchd();
    }
    return instance;
  } catch (err) {
    await instance.stop();
    throw err;
  }
}
