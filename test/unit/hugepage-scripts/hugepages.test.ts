// hugepages.sh against a fake sysfs/proc tree: reserve, release, status, mounts, and bad input.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addHugepagePools, createFakeHost, type FakeHost } from './fake-host.js';

const TOTAL_2M = 'sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages';
const NODE1_2M = 'sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages';
const TOTAL_1G = 'sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages';

let host: FakeHost;

beforeEach(() => {
  host = createFakeHost();
  addHugepagePools(host, { total2M: 64, nodes2M: [32, 32] });
  host.write('proc/mounts', 'nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n');
});

afterEach(() => host.cleanup());

describe('hugepages.sh reserve and release', () => {
  it('raises the total pool, records the previous value, and release restores it', () => {
    const reserve = host.run('hugepages.sh', ['reserve', '512']);
    expect(reserve.status, reserve.stderr).toBe(0);
    expect(host.read(TOTAL_2M).trim()).toBe('512');
    expect(host.read('state/hugepages/2048kB-all.previous').trim()).toBe('64');

    const release = host.run('hugepages.sh', ['release']);
    expect(release.status, release.stderr).toBe(0);
    expect(host.read(TOTAL_2M).trim()).toBe('64');
  });

  it('accepts the form scripts/setup.sh uses: --pages N --size 2M --mount DIR', () => {
    const reserve = host.run('hugepages.sh', [
      'reserve',
      '--pages',
      '96',
      '--size',
      '2M',
      '--mount',
      '/dev/hugepages',
    ]);
    expect(reserve.status, reserve.stderr).toBe(0);
    expect(host.read(TOTAL_2M).trim()).toBe('96');
    expect(reserve.stdout).toMatch(/already mounted at \/dev\/hugepages/);
  });

  it('writes the per-node knob when --node is given and leaves the total knob alone', () => {
    const reserve = host.run('hugepages.sh', ['reserve', '--node', '1', '100']);
    expect(reserve.status, reserve.stderr).toBe(0);
    expect(host.read(NODE1_2M).trim()).toBe('100');
    expect(host.read(TOTAL_2M).trim()).toBe('64');
    host.run('hugepages.sh', ['release', '--node', '1']);
    expect(host.read(NODE1_2M).trim()).toBe('32');
  });

  it('never lowers a larger pool unless --exact is given', () => {
    const atLeast = host.run('hugepages.sh', ['reserve', '16']);
    expect(atLeast.status).toBe(0);
    expect(atLeast.stdout).toMatch(/nothing to do/);
    expect(host.read(TOTAL_2M).trim()).toBe('64');

    const exact = host.run('hugepages.sh', ['reserve', '--exact', '16']);
    expect(exact.status).toBe(0);
    expect(host.read(TOTAL_2M).trim()).toBe('16');
  });

  it('keeps the value from before the first reserve when reserve runs twice', () => {
    host.run('hugepages.sh', ['reserve', '128']);
    host.run('hugepages.sh', ['reserve', '256']);
    host.run('hugepages.sh', ['release']);
    expect(host.read(TOTAL_2M).trim()).toBe('64');
  });

  it('release without a recorded reservation changes nothing and succeeds', () => {
    const release = host.run('hugepages.sh', ['release']);
    expect(release.status).toBe(0);
    expect(release.stdout).toMatch(/nothing to do/);
    expect(host.read(TOTAL_2M).trim()).toBe('64');
  });
});

describe('hugepages.sh hugetlbfs mounts', () => {
  it('does not mount again when hugetlbfs with the same page size is mounted', () => {
    const reserve = host.run('hugepages.sh', ['reserve', '128']);
    expect(reserve.stdout).toMatch(/already mounted at \/dev\/hugepages/);
    expect(reserve.stdout).not.toMatch(/dry-run: mount/);
  });

  it('mounts 1G hugetlbfs with pagesize=1G, and release unmounts what reserve mounted', () => {
    const mountpoint = join(host.root, 'mnt-1g');
    const reserve = host.run('hugepages.sh', ['reserve', '--size', '1G', '--mountpoint', mountpoint, '2']);
    expect(reserve.status, reserve.stderr).toBe(0);
    expect(host.read(TOTAL_1G).trim()).toBe('2');
    expect(reserve.stdout + reserve.stderr).toContain(
      `dry-run: mount -t hugetlbfs -o pagesize=1G nodev ${mountpoint}`,
    );

    host.write('proc/mounts', `nodev ${mountpoint} hugetlbfs rw,relatime,pagesize=1024M 0 0\n`);
    const release = host.run('hugepages.sh', ['release', '--size', '1G']);
    expect(release.status, release.stderr).toBe(0);
    expect(release.stdout + release.stderr).toContain(`dry-run: umount ${mountpoint}`);
    expect(host.read(TOTAL_1G).trim()).toBe('0');
  });

  it('fails and restores the pool when the mountpoint holds hugetlbfs of another page size', () => {
    const reserve = host.run('hugepages.sh', [
      'reserve',
      '--size',
      '1G',
      '--mountpoint',
      '/dev/hugepages',
      '2',
    ]);
    expect(reserve.status).toBe(1);
    expect(reserve.stderr).toMatch(/pagesize=2M, not 1G/);
    expect(host.read(TOTAL_1G).trim()).toBe('0');
    expect(() => host.read('state/hugepages/1048576kB-all.previous')).toThrow();
  });
});

describe('hugepages.sh status', () => {
  it('reports pools per size and node, mounts and records as JSON', () => {
    host.run('hugepages.sh', ['reserve', '--node', '0', '40']);
    const status = host.run('hugepages.sh', ['status', '--json']);
    expect(status.status, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as {
      sizes: { size: string; total: number; nodes: { node: number; total: number }[] }[];
      mounts: { path: string; pagesize: string }[];
      recorded: { size: string; scope: string; previous: number }[];
    };
    const twoMeg = report.sizes.find((s) => s.size === '2M');
    expect(twoMeg?.total).toBe(64);
    expect(twoMeg?.nodes).toEqual([
      { node: 0, total: 40, free: 32 },
      { node: 1, total: 32, free: 32 },
    ]);
    expect(report.sizes.map((s) => s.size).sort()).toEqual(['1G', '2M']);
    expect(report.mounts).toEqual([{ path: '/dev/hugepages', pagesize: '2M' }]);
    expect(report.recorded).toEqual([{ size: '2M', scope: 'node0', previous: 32 }]);
  });

  it('prints a human table by default', () => {
    const status = host.run('hugepages.sh', ['status']);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/2M\s+total 64/);
    expect(status.stdout).toMatch(/node1\s+total 32/);
  });
});

describe('hugepages.sh failures leave the host unchanged', () => {
  it('names the missing NUMA node and changes nothing', () => {
    const reserve = host.run('hugepages.sh', ['reserve', '--node', '3', '10']);
    expect(reserve.status).toBe(1);
    expect(reserve.stderr).toMatch(/NUMA node 3 not found/);
    expect(host.read(TOTAL_2M).trim()).toBe('64');
  });

  it('names the missing sysfs pool when the kernel lacks a page size', () => {
    const reserve = host.run('hugepages.sh', ['reserve', '--size', '16M', '10']);
    expect(reserve.status).toBe(1);
    expect(reserve.stderr).toMatch(/16M hugepages are not supported here \(no .*hugepages-16384kB/);
  });

  it('restores the previous count and fails when the kernel grants fewer pages than asked', () => {
    // A FIFO as the knob answers reads with the lines queued here, in order, and keeps what the script
    // writes: the first read is the current count, the read after the write is what the "kernel" granted.
    const knob = join(host.root, TOTAL_2M);
    rmSync(knob);
    expect(spawnSync('mkfifo', [knob]).status).toBe(0);
    const fd = openSync(knob, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      writeSync(fd, '64\n10\n');
      const reserve = host.run('hugepages.sh', ['reserve', '--pages', '512']);
      expect(reserve.status).toBe(1);
      expect(reserve.stderr).toMatch(/granted only 10 of 512 x 2M pages in total.*restored 64/);
      const written = Buffer.alloc(64);
      const length = readSync(fd, written);
      // What the script wrote: the request, then the previous count back.
      expect(written.subarray(0, length).toString()).toBe('512\n64\n');
      expect(reserve.stdout).not.toMatch(/mount/);
      expect(() => host.read('state/hugepages/2048kB-all.previous')).toThrow();
    } finally {
      closeSync(fd);
    }
  });

  it('reports a refused write as an error and records nothing', () => {
    const knob = join(host.root, TOTAL_2M);
    // An immutable file makes the write fail the way a kernel refusal (EINVAL, ENOMEM) does.
    const chattr = spawnSync('chattr', ['+i', knob]);
    if (chattr.status !== 0) {
      console.log(`skipped: chattr +i is unavailable here (${chattr.stderr?.toString().trim()})`);
      return;
    }
    try {
      const reserve = host.run('hugepages.sh', ['reserve', '512']);
      expect(reserve.status).toBe(1);
      expect(reserve.stderr).toMatch(/refused 512 x 2M pages in total.*nothing changed/);
      expect(host.read(TOTAL_2M).trim()).toBe('64');
      expect(() => host.read('state/hugepages/2048kB-all.previous')).toThrow();
    } finally {
      spawnSync('chattr', ['-i', knob]);
    }
  });
});

describe('hugepages.sh bad arguments print usage and exit 2', () => {
  const badArgs: string[][] = [
    [],
    ['frobnicate'],
    ['reserve'],
    ['reserve', 'many'],
    ['reserve', '-5'],
    ['reserve', '1.5'],
    ['reserve', '10', '20'],
    ['reserve', '--pages'],
    ['reserve', '--pages', 'x'],
    ['reserve', '--pages', '5', '6'],
    ['reserve', '--mount'],
    ['reserve', '--size', 'huge', '10'],
    ['reserve', '--size'],
    ['reserve', '--node', 'x', '10'],
    ['reserve', '--mountpoint', 'relative/dir', '10'],
    ['reserve', '--bogus', '10'],
    ['release', 'extra'],
    ['release', '--node', 'one'],
    ['status', '--yaml'],
  ];
  it.each(badArgs)('rejects %j', (...args: string[]) => {
    const result = host.run('hugepages.sh', args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Usage:/m);
    expect(host.read(TOTAL_2M).trim()).toBe('64');
  });
});
