// host-check.sh and vfio.sh status on this machine's real sysfs/proc: read-only, so safe on a shared host.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScript } from '../../unit/hugepage-scripts/fake-host.js';

interface CheckReport {
  ok: boolean;
  checks: { check: string; status: string; detail: string; hint: string }[];
}

describe('host-check.sh on the real host', () => {
  const result = runScript('host-check.sh', ['--json'], {});
  const report = JSON.parse(result.stdout) as CheckReport;
  const byName = new Map(report.checks.map((c) => [c.check, c]));

  it('runs every check and exits 1 exactly when one fails', () => {
    expect([...byName.keys()]).toEqual([
      'cpu',
      'hugepages',
      'iommu',
      'vfio',
      'numa',
      'isolated-cpus',
      'dpdk',
      'ovs',
    ]);
    const anyFailed = report.checks.some((c) => c.status === 'fail');
    expect(report.ok).toBe(!anyFailed);
    expect(result.status).toBe(anyFailed ? 1 : 0);
  });

  it('sees the hugepages the kernel reports', () => {
    const total = Number(readFileSync('/proc/sys/vm/nr_hugepages', 'utf8').trim());
    const mounted = readFileSync('/proc/mounts', 'utf8').includes(' hugetlbfs ');
    expect(byName.get('hugepages')?.status).toBe(total > 0 && mounted ? 'ok' : 'fail');
  });

  it('finds the DPDK release the project builds against', () => {
    // setup installs Debian 12's DPDK 22.11; any other answer means the check or the machine is wrong.
    expect(byName.get('dpdk')?.detail).toMatch(/^DPDK 22\.11/);
  });

  it('reports the CPU flags from /proc/cpuinfo', () => {
    const hasSse42 = / sse4_2 /.test(` ${readFileSync('/proc/cpuinfo', 'utf8').replace(/\s+/g, ' ')} `);
    expect(byName.get('cpu')?.status === 'fail').toBe(!hasSse42);
  });
});

describe('vfio.sh on the real host (read-only commands)', () => {
  it('status --json lists the devices bound to vfio-pci', () => {
    const result = runScript('vfio.sh', ['status', '--json'], {});
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { vfioPciLoaded: boolean; devices: unknown[] };
    expect(typeof report.vfioPciLoaded).toBe('boolean');
    expect(Array.isArray(report.devices)).toBe(true);
  });

  it('refuses an address no device has, naming it', () => {
    const result = runScript('vfio.sh', ['bind', 'fffe:ee:1f.7'], {});
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no PCI device fffe:ee:1f\.7/);
  });
});
