// Builds fake sysfs/proc trees in temp dirs and runs the hugepage-scripts against them.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCRIPTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../hugepage-scripts');

export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface FakeHost {
  readonly root: string;
  readonly sysfs: string;
  readonly proc: string;
  readonly mountsFile: string;
  readonly stateDir: string;
  /** Writes a file (creating parents) relative to the fake root. */
  write(path: string, content: string): void;
  read(path: string): string;
  symlink(path: string, target: string): void;
  mkdir(path: string): void;
  /** Runs a script from hugepage-scripts/ with the fake roots and a dry-run for mount/umount/modprobe. */
  run(script: string, args: string[], env?: Record<string, string>): ScriptResult;
  cleanup(): void;
}

export function createFakeHost(): FakeHost {
  const root = mkdtempSync(join(tmpdir(), 'pktbridge-fakehost-'));
  const sysfs = join(root, 'sys');
  const proc = join(root, 'proc');
  const mountsFile = join(proc, 'mounts');
  const stateDir = join(root, 'state');
  const abs = (path: string): string => join(root, path);
  const host: FakeHost = {
    root,
    sysfs,
    proc,
    mountsFile,
    stateDir,
    write(path, content) {
      mkdirSync(dirname(abs(path)), { recursive: true });
      writeFileSync(abs(path), content);
    },
    read(path) {
      return readFileSync(abs(path), 'utf8');
    },
    symlink(path, target) {
      mkdirSync(dirname(abs(path)), { recursive: true });
      symlinkSync(target, abs(path));
    },
    mkdir(path) {
      mkdirSync(abs(path), { recursive: true });
    },
    run(script, args, env = {}) {
      return runScript(script, args, {
        SYSFS_ROOT: sysfs,
        PROC_ROOT: proc,
        MOUNTS_FILE: mountsFile,
        HOSTPREP_STATE_DIR: stateDir,
        HOSTPREP_DRY_RUN: '1',
        ...env,
      });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  host.write('proc/mounts', '');
  return host;
}

export function runScript(script: string, args: string[], env: Record<string, string>): ScriptResult {
  const result = spawnSync('bash', [join(SCRIPTS_DIR, script), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A host with 2M and 1G pools on two NUMA nodes, like a small two-socket server. */
export function addHugepagePools(
  host: FakeHost,
  pools: { total2M: number; nodes2M: [number, number] },
): void {
  host.write('proc/meminfo', 'MemTotal:       25165824 kB\nHugepagesize:       2048 kB\n');
  for (const kb of [2048, 1048576]) {
    const total = kb === 2048 ? pools.total2M : 0;
    const dir = `sys/kernel/mm/hugepages/hugepages-${kb}kB`;
    host.write(`${dir}/nr_hugepages`, `${total}\n`);
    host.write(`${dir}/free_hugepages`, `${total}\n`);
    host.write(`${dir}/resv_hugepages`, '0\n');
    host.write(`${dir}/surplus_hugepages`, '0\n');
    for (const node of [0, 1]) {
      const nodeTotal = kb === 2048 ? pools.nodes2M[node] : 0;
      const nodeDir = `sys/devices/system/node/node${node}/hugepages/hugepages-${kb}kB`;
      host.write(`${nodeDir}/nr_hugepages`, `${nodeTotal}\n`);
      host.write(`${nodeDir}/free_hugepages`, `${nodeTotal}\n`);
    }
  }
  host.write('sys/devices/system/node/node0/cpulist', '0-3\n');
  host.write('sys/devices/system/node/node1/cpulist', '4-7\n');
}

export interface FakePciDevice {
  address: string;
  driver?: string;
  iommuGroup?: number;
  netdev?: { name: string; operstate: string };
}

/** A PCI device plus its driver directory (bind/unbind/new_id as plain files the test reads back). */
export function addPciDevice(host: FakeHost, device: FakePciDevice): void {
  const devDir = `sys/bus/pci/devices/${device.address}`;
  host.write(`${devDir}/driver_override`, '(null)\n');
  if (device.driver !== undefined) {
    addPciDriver(host, device.driver);
    host.symlink(`${devDir}/driver`, `../../drivers/${device.driver}`);
  }
  if (device.iommuGroup !== undefined) {
    const groupDir = `sys/kernel/iommu_groups/${device.iommuGroup}`;
    host.mkdir(`${groupDir}/devices`);
    host.symlink(`${groupDir}/devices/${device.address}`, `../../../../bus/pci/devices/${device.address}`);
    host.symlink(`${devDir}/iommu_group`, `../../../kernel/iommu_groups/${device.iommuGroup}`);
  }
  if (device.netdev !== undefined) {
    host.mkdir(`${devDir}/net/${device.netdev.name}`);
    host.write(`sys/class/net/${device.netdev.name}/operstate`, `${device.netdev.operstate}\n`);
  }
}

export function addPciDriver(host: FakeHost, driver: string): void {
  for (const file of ['bind', 'unbind', 'new_id']) {
    const path = `sys/bus/pci/drivers/${driver}/${file}`;
    try {
      host.read(path);
    } catch {
      host.write(path, '');
    }
  }
}

/** Moves the fake device's driver link, as the kernel does when a bind succeeds. */
export function setDriverLink(host: FakeHost, address: string, driver: string): void {
  const link = join(host.sysfs, `bus/pci/devices/${address}/driver`);
  rmSync(link, { force: true });
  symlinkSync(`../../drivers/${driver}`, link);
}
