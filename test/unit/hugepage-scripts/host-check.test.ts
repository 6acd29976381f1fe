// host-check.sh against fake sysfs/proc trees and a PATH with or without DPDK/OVS tools.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addHugepagePools, addPciDriver, createFakeHost, type FakeHost } from './fake-host.js';

interface CheckReport {
  ok: boolean;
  checks: { check: string; status: 'ok' | 'warn' | 'fail'; detail: string; hint: string }[];
}

const GOOD_FLAGS = 'fpu sse sse2 ssse3 sse4_1 sse4_2 popcnt avx avx2 pdpe1gb';

let host: FakeHost;
let binDir: string;

/** A PATH holding only fake tools, so the host's real DPDK/OVS do not leak into the result. */
function addTool(name: string, output: string): void {
  const path = join(binDir, name);
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' '${output}'\n`);
  chmodSync(path, 0o755);
}

function runCheck(): {
  status: number | null;
  report: CheckReport;
  byName: Map<string, CheckReport['checks'][0]>;
} {
  const result = host.run('host-check.sh', ['--json'], { PATH: `${binDir}:/usr/bin:/bin` });
  const report = JSON.parse(result.stdout) as CheckReport;
  return { status: result.status, report, byName: new Map(report.checks.map((c) => [c.check, c])) };
}

beforeEach(() => {
  host = createFakeHost();
  binDir = join(host.root, 'bin');
  mkdirSync(binDir);
  addHugepagePools(host, { total2M: 1024, nodes2M: [512, 512] });
  host.write('proc/mounts', 'nodev /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n');
  host.write('proc/cpuinfo', `processor\t: 0\nflags\t\t: ${GOOD_FLAGS}\n`);
  host.mkdir('sys/kernel/iommu_groups/0');
  addPciDriver(host, 'vfio-pci');
  host.write('sys/devices/system/cpu/isolated', '2-3\n');
  addTool('pkg-config', '22.11.4');
  addTool('ovs-vswitchd', 'ovs-vswitchd (Open vSwitch) 3.1.0');
});

afterEach(() => host.cleanup());

describe('host-check.sh', () => {
  it('passes every check on a well-prepared host', () => {
    const { status, report } = runCheck();
    expect(status).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.check, c.status])).toEqual([
      ['cpu', 'ok'],
      ['hugepages', 'ok'],
      ['iommu', 'ok'],
      ['vfio', 'ok'],
      ['numa', 'ok'],
      ['isolated-cpus', 'ok'],
      ['dpdk', 'ok'],
      ['ovs', 'ok'],
    ]);
  });

  it('fails without SSE4.2 and says what to do', () => {
    host.write('proc/cpuinfo', 'processor\t: 0\nflags\t\t: fpu sse sse2\n');
    const { status, byName } = runCheck();
    expect(status).toBe(1);
    expect(byName.get('cpu')?.status).toBe('fail');
    expect(byName.get('cpu')?.detail).toMatch(/sse4_2/);
    expect(byName.get('cpu')?.hint).toMatch(/DPDK needs SSE4.2/);
  });

  it('fails when no hugepages are reserved, pointing at hugepages.sh', () => {
    addHugepagePools(host, { total2M: 0, nodes2M: [0, 0] });
    const { status, byName } = runCheck();
    expect(status).toBe(1);
    expect(byName.get('hugepages')?.status).toBe('fail');
    expect(byName.get('hugepages')?.hint).toMatch(/hugepages.sh reserve/);
  });

  it('fails when pages exist but no hugetlbfs is mounted', () => {
    host.write('proc/mounts', 'proc /proc proc rw 0 0\n');
    const { byName } = runCheck();
    expect(byName.get('hugepages')?.detail).toMatch(/no hugetlbfs mounted/);
    expect(byName.get('hugepages')?.status).toBe('fail');
  });

  it('warns, not fails, about a missing IOMMU, vfio, isolated CPUs and OVS', () => {
    host.cleanup();
    host = createFakeHost();
    binDir = join(host.root, 'bin');
    mkdirSync(binDir);
    addHugepagePools(host, { total2M: 64, nodes2M: [64, 0] });
    host.write('proc/mounts', 'nodev /dev/hugepages hugetlbfs rw 0 0\n');
    host.write('proc/cpuinfo', `flags\t\t: ${GOOD_FLAGS}\n`);
    addTool('pkg-config', '22.11.4');
    const { status, byName } = runCheck();
    expect(status).toBe(0);
    for (const name of ['iommu', 'vfio', 'isolated-cpus', 'ovs']) {
      expect(byName.get(name)?.status, name).toBe('warn');
      expect(byName.get(name)?.hint, name).not.toBe('');
    }
  });

  it('fails when DPDK is not installed', () => {
    for (const tool of ['pkg-config', 'dpkg-query']) {
      writeFileSync(join(binDir, tool), '#!/bin/sh\nexit 1\n');
      chmodSync(join(binDir, tool), 0o755);
    }
    const dpdk = runCheck().byName.get('dpdk');
    expect(dpdk?.status).toBe('fail');
    expect(dpdk?.hint).toMatch(/apt-get install dpdk/);
  });

  it('warns about a DPDK release other than 22.11', () => {
    addTool('pkg-config', '23.11.0');
    const dpdk = runCheck().byName.get('dpdk');
    expect(dpdk?.status).toBe('warn');
    expect(dpdk?.detail).toBe('DPDK 23.11.0');
  });

  it('reports the NUMA layout from sysfs', () => {
    expect(runCheck().byName.get('numa')?.detail).toBe('node0:cpus 0-3 node1:cpus 4-7');
  });

  it('prints a human report by default', () => {
    const result = host.run('host-check.sh', [], { PATH: `${binDir}:/usr/bin:/bin` });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ok\s+cpu\s+sse4_2/m);
  });

  it.each([['--yaml'], ['extra'], ['--json', 'x']])(
    'prints usage and exits 2 for %j',
    (...args: string[]) => {
      const result = host.run('host-check.sh', args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^Usage:/m);
    },
  );
});
