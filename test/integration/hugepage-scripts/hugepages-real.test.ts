// hugepages.sh on this machine's real kernel: reserve more 2M pages, verify, mount, release to the previous value.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runScript } from '../../unit/hugepage-scripts/fake-host.js';

const POOL = '/sys/kernel/mm/hugepages/hugepages-2048kB';
const GIGANTIC_POOL = '/sys/kernel/mm/hugepages/hugepages-1048576kB';
const NODE0_POOL = '/sys/devices/system/node/node0/hugepages/hugepages-2048kB';
// Few enough to be granted on any test machine, and added on top so pages others use stay reserved.
const EXTRA_PAGES = 16;

const skipReason =
  process.getuid?.() !== 0
    ? 'needs root to write nr_hugepages'
    : !existsSync(`${POOL}/nr_hugepages`)
      ? `kernel has no 2M hugepage pool (${POOL})`
      : undefined;
if (skipReason !== undefined) console.log(`skipped real hugepage tests: ${skipReason}`);

const readCount = (path: string): number => Number(readFileSync(path, 'utf8').trim());
const mounted = (dir: string): boolean =>
  readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === dir && line.split(' ')[2] === 'hugetlbfs');

let stateDir: string;
const run = (args: string[]) => runScript('hugepages.sh', args, { HOSTPREP_STATE_DIR: stateDir });

describe.skipIf(skipReason !== undefined)('hugepages.sh on the real kernel', () => {
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'pktbridge-hugepages-real-'));
  });

  afterEach(() => {
    // Whatever happened, give back what this test took: release restores from its own records.
    run(['release']);
    if (existsSync(NODE0_POOL)) run(['release', '--node', '0']);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('reserves more pages in total, the kernel grants them, and release restores the previous count', () => {
    const before = readCount(`${POOL}/nr_hugepages`);
    const reserve = run(['reserve', '--no-mount', String(before + EXTRA_PAGES)]);
    expect(reserve.status, reserve.stderr).toBe(0);
    expect(readCount(`${POOL}/nr_hugepages`)).toBe(before + EXTRA_PAGES);
    expect(readCount('/proc/sys/vm/nr_hugepages')).toBe(before + EXTRA_PAGES);

    const status = JSON.parse(run(['status', '--json']).stdout) as {
      sizes: { size: string; total: number }[];
      recorded: { size: string; scope: string; previous: number }[];
    };
    expect(status.sizes.find((s) => s.size === '2M')?.total).toBe(before + EXTRA_PAGES);
    expect(status.recorded).toEqual([{ size: '2M', scope: 'all', previous: before }]);

    const release = run(['release']);
    expect(release.status, release.stderr).toBe(0);
    expect(readCount(`${POOL}/nr_hugepages`)).toBe(before);
  });

  it.skipIf(!existsSync(NODE0_POOL))('reserves on NUMA node 0 through the per-node knob', () => {
    const nodeBefore = readCount(`${NODE0_POOL}/nr_hugepages`);
    const totalBefore = readCount(`${POOL}/nr_hugepages`);
    const reserve = run(['reserve', '--no-mount', '--node', '0', String(nodeBefore + EXTRA_PAGES)]);
    expect(reserve.status, reserve.stderr).toBe(0);
    expect(readCount(`${NODE0_POOL}/nr_hugepages`)).toBe(nodeBefore + EXTRA_PAGES);
    expect(readCount(`${POOL}/nr_hugepages`)).toBe(totalBefore + EXTRA_PAGES);

    expect(run(['release', '--node', '0']).status).toBe(0);
    expect(readCount(`${NODE0_POOL}/nr_hugepages`)).toBe(nodeBefore);
  });

  it('mounts hugetlbfs once at a new mountpoint, and release unmounts it', () => {
    const mountpoint = join(stateDir, 'hugetlbfs-2M');
    const before = readCount(`${POOL}/nr_hugepages`);
    const first = run(['reserve', '--mountpoint', mountpoint, String(before + EXTRA_PAGES)]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/mounted hugetlbfs pagesize=2M/);
    expect(mounted(mountpoint)).toBe(true);

    const second = run(['reserve', '--mountpoint', mountpoint, String(before + EXTRA_PAGES)]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/already mounted/);

    expect(run(['release']).status).toBe(0);
    expect(mounted(mountpoint)).toBe(false);
    expect(readCount(`${POOL}/nr_hugepages`)).toBe(before);
  });

  it.skipIf(!existsSync(`${GIGANTIC_POOL}/nr_hugepages`))(
    'reserves one 1G page with a pagesize=1G mount, or reports the shortfall and restores',
    () => {
      const mountpoint = join(stateDir, 'hugetlbfs-1G');
      const before = readCount(`${GIGANTIC_POOL}/nr_hugepages`);
      try {
        const reserve = run([
          'reserve',
          '--size',
          '1G',
          '--mount',
          mountpoint,
          '--pages',
          String(before + 1),
        ]);
        if (reserve.status === 0) {
          expect(readCount(`${GIGANTIC_POOL}/nr_hugepages`)).toBe(before + 1);
          expect(mounted(mountpoint)).toBe(true);
          expect(run(['release', '--size', '1G']).status).toBe(0);
          expect(mounted(mountpoint)).toBe(false);
        } else {
          // Runtime 1G allocation needs 1 GiB of contiguous free memory; without it the kernel grants fewer.
          console.log(`1G page not granted here: ${reserve.stderr.trim()}`);
          expect(reserve.status).toBe(1);
          expect(reserve.stderr).toMatch(/granted only \d+ of \d+ x 1G pages in total.*restored/);
          expect(mounted(mountpoint)).toBe(false);
        }
        expect(readCount(`${GIGANTIC_POOL}/nr_hugepages`)).toBe(before);
      } finally {
        run(['release', '--size', '1G']);
      }
    },
  );

  it('refuses an unknown NUMA node without touching the pool', () => {
    const before = readCount(`${POOL}/nr_hugepages`);
    const reserve = run(['reserve', '--node', '63', String(before + EXTRA_PAGES)]);
    expect(reserve.status).toBe(1);
    expect(reserve.stderr).toMatch(/NUMA node 63 not found/);
    expect(readCount(`${POOL}/nr_hugepages`)).toBe(before);
  });
});
