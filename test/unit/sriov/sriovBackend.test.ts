// The SR-IOV-DPDK backend on a fake sysfs and a recording VF layer: driver checks, PF/VF discovery,
// VF configuration and its restore on DEL, the allocation cache, locking and racing pods.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { AttachmentRecord, AttachSpec, Backend } from '../../../src/backends/backend.js';
import { createSriovBackend } from '../../../src/backends/sriov/index.js';
import { FACTORY_VF, FakeVfNetlink, makeFakeSysfs, PF_IFNAME, vfPci, type FakeSysfs } from './fakes.js';

const log = pino({ level: 'silent' });

let sysfs: FakeSysfs;
let netlink: FakeVfNetlink;
let stateDir: string;
let backend: Backend;
const liveNetns = new Set<string>();

function newBackend(): Backend {
  return createSriovBackend({
    sysfsRoot: sysfs.root,
    netlink,
    log,
    stateDir,
    lockTimeoutMs: 2_000,
    netnsAlive: (ns) => liveNetns.has(ns),
  });
}

function spec(
  pod: string,
  pci: string,
  sriov: Record<string, unknown> = {},
  extra: Partial<AttachSpec> = {},
): AttachSpec {
  liveNetns.add(`/var/run/netns/${pod}`);
  return {
    id: `${pod}:net1`,
    containerId: pod,
    ifname: 'net1',
    netns: `/var/run/netns/${pod}`,
    network: 'sriov-net',
    iface: { type: 'pci', pciAddress: pci },
    socketOwnership: { dirMode: 0o750 },
    connect: { kind: 'none' },
    backendConfig: sriov,
    ...extra,
  };
}

async function attach(s: AttachSpec, on: Backend = backend): Promise<AttachmentRecord> {
  return { spec: s, backend: 'sriov-dpdk', result: await on.attach(s), createdAt: new Date().toISOString() };
}

beforeEach(() => {
  sysfs = makeFakeSysfs(4, { [vfPci(2)]: 'iavf', [vfPci(3)]: undefined });
  netlink = new FakeVfNetlink();
  stateDir = mkdtempSync(join(tmpdir(), 'pbsriov-'));
  liveNetns.clear();
  backend = newBackend();
});
afterEach(() => {
  sysfs.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('driver checks', () => {
  it('refuses a VF on a kernel driver, naming the driver and the vfio.sh command that fixes it', async () => {
    await expect(backend.attach(spec('pod-a', vfPci(2)))).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/kernel driver "iavf".*hugepage-scripts\/vfio\.sh bind 0000:3b:02\.2/),
    });
    expect(netlink.applied).toEqual([]);
    expect(await backend.list()).toEqual([]);
  });

  it('refuses a VF with no driver at all', async () => {
    await expect(backend.attach(spec('pod-a', vfPci(3)))).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringContaining('not bound to any driver'),
    });
  });

  it('accepts uio_pci_generic and igb_uio as well as vfio-pci', async () => {
    sysfs.bind(vfPci(0), 'uio_pci_generic');
    sysfs.bind(vfPci(1), 'igb_uio');
    await attach(spec('pod-a', vfPci(0)));
    await attach(spec('pod-b', vfPci(1)));
    expect((await backend.list()).map((o) => o.ref).sort()).toEqual([vfPci(0), vfPci(1)]);
  });

  it('reads sysfs under $SYSFS_ROOT when no root is given', async () => {
    const saved = process.env.SYSFS_ROOT;
    process.env.SYSFS_ROOT = sysfs.root;
    try {
      const fromEnv = createSriovBackend({ netlink, log, stateDir });
      await expect(fromEnv.attach(spec('pod-a', vfPci(2)))).rejects.toMatchObject({
        message: expect.stringContaining('"iavf"'),
      });
      expect((await attach(spec('pod-b', vfPci(0)), fromEnv)).result.pciId).toBe(vfPci(0));
    } finally {
      if (saved === undefined) delete process.env.SYSFS_ROOT;
      else process.env.SYSFS_ROOT = saved;
    }
  });

  it('fails with NOT_FOUND for a PCI address that does not exist', async () => {
    await expect(backend.attach(spec('pod-a', '0000:99:00.1'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('VF configuration', () => {
  it('configures the VF through its PF and returns pciId and device-info pci', async () => {
    const s = spec(
      'pod-a',
      '3b:02.1',
      {
        vlan: 100,
        vlanQoS: 3,
        vlanProto: '802.1ad',
        spoofchk: 'off',
        trust: 'on',
        linkState: 'enable',
        minTxRate: 10,
        maxTxRate: 1000,
      },
      { mac: '02:AA:BB:CC:DD:01' },
    );
    const record = await attach(s);
    expect(netlink.applied).toEqual([
      {
        pf: PF_IFNAME,
        vf: 1,
        settings: {
          mac: '02:aa:bb:cc:dd:01',
          vlan: 100,
          qos: 3,
          vlanProto: '802.1ad',
          spoofchk: false,
          trust: true,
          linkState: 'enable',
          minTxRate: 10,
          maxTxRate: 1000,
        },
      },
    ]);
    expect(record.result).toMatchObject({
      pciId: vfPci(1),
      mac: '02:aa:bb:cc:dd:01',
      deviceInfo: { type: 'pci', version: '1.1.0', pci: { 'pci-address': vfPci(1) } },
      objects: [{ backend: 'sriov-dpdk', kind: 'vf', ref: vfPci(1), attachmentId: 'pod-a:net1' }],
    });
    await backend.check(record);
  });

  it('restores exactly the settings it changed on DEL', async () => {
    netlink.state.set(`${PF_IFNAME}/0`, { ...FACTORY_VF, mac: '02:00:00:00:00:99', vlan: 7, trust: true });
    const record = await attach(
      spec('pod-a', vfPci(0), { vlan: 200, spoofchk: 'off' }, { mac: '02:00:00:00:00:01' }),
    );
    expect(netlink.vf(PF_IFNAME, 0)).toMatchObject({
      mac: '02:00:00:00:00:01',
      vlan: 200,
      spoofchk: false,
      trust: true,
    });
    await backend.detach(record);
    expect(netlink.vf(PF_IFNAME, 0)).toEqual({
      ...FACTORY_VF,
      mac: '02:00:00:00:00:99',
      vlan: 7,
      trust: true,
    });
    expect(netlink.applied.at(-1)?.settings).toEqual({
      mac: '02:00:00:00:00:99',
      vlan: 7,
      qos: 0,
      vlanProto: '802.1Q',
      spoofchk: true,
    });
    expect(await backend.list()).toEqual([]);
  });

  it('reports through CHECK when the VF lost its settings, and RESTORE puts them back', async () => {
    const record = await attach(spec('pod-a', vfPci(0), { vlan: 300 }));
    netlink.state.set(`${PF_IFNAME}/0`, { ...FACTORY_VF }); // e.g. a PF reset
    await expect(backend.check(record)).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringContaining('vlan'),
    });
    await backend.restore(record);
    await backend.check(record);
  });

  it('undoes everything when the PF refuses a setting, with the ip error text', async () => {
    netlink.failNextSet =
      'ip link set dev ens1f0 vf 0 trust on failed: RTNETLINK answers: Operation not supported';
    await expect(backend.attach(spec('pod-a', vfPci(0), { trust: 'on' }))).rejects.toMatchObject({
      message: expect.stringContaining('Operation not supported'),
    });
    expect(await backend.list()).toEqual([]);
    expect(netlink.vf(PF_IFNAME, 0)).toEqual(FACTORY_VF);
  });

  it('rejects invalid sriov settings naming the field', async () => {
    await expect(backend.attach(spec('pod-a', vfPci(0), { vlanQoS: 2 }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^sriov\.vlan:/),
    });
    await expect(backend.attach(spec('pod-a', vfPci(0), { spoofchk: true }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('status', () => {
  it('is ready when the sysfs PCI tree is readable, and says where it looked when not', async () => {
    expect(await backend.status()).toMatchObject({ ready: true });
    const elsewhere = createSriovBackend({ sysfsRoot: join(stateDir, 'no-sysfs'), netlink, log, stateDir });
    expect(await elsewhere.status()).toMatchObject({
      ready: false,
      message: expect.stringContaining('no-sysfs'),
    });
  });
});

describe('DEL', () => {
  it('tolerates a missing cache and a missing record state, more than once', async () => {
    const record = await attach(spec('pod-a', vfPci(0), { vlan: 5 }));
    rmSync(join(stateDir, 'allocations'), { recursive: true, force: true });
    const bare: AttachmentRecord = { ...record, result: { ...record.result, restore: undefined } };
    await backend.detach(bare);
    await backend.detach(bare);
    expect(netlink.applied).toHaveLength(1);
  });

  it('falls back to the state saved in the record when the cache is gone', async () => {
    const record = await attach(spec('pod-a', vfPci(0), { vlan: 5 }));
    rmSync(join(stateDir, 'allocations'), { recursive: true, force: true });
    await backend.detach(record);
    expect(netlink.vf(PF_IFNAME, 0)).toEqual(FACTORY_VF);
  });

  it('tolerates an unreadable cache file', async () => {
    const record = await attach(spec('pod-a', vfPci(0), { vlan: 5 }));
    writeFileSync(join(stateDir, 'allocations', `${vfPci(0)}.json`), '{not json');
    await backend.detach(record);
    expect(netlink.vf(PF_IFNAME, 0)).toEqual(FACTORY_VF);
  });

  it('leaves a VF alone that now belongs to another attachment', async () => {
    const first = await attach(spec('pod-a', vfPci(0), { vlan: 5 }));
    liveNetns.delete('/var/run/netns/pod-a');
    await attach(spec('pod-b', vfPci(0), { vlan: 6 }));
    await backend.detach(first);
    expect(netlink.vf(PF_IFNAME, 0).vlan).toBe(6);
  });
});

describe('allocation and locking', () => {
  it('refuses a VF allocated to a live netns', async () => {
    await attach(spec('pod-a', vfPci(0), { vlan: 5 }));
    await expect(backend.attach(spec('pod-b', vfPci(0)))).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      message: expect.stringContaining('pod-a'),
    });
  });

  it('refuses a VF whose holder recorded no netns (it cannot be known dead)', async () => {
    await attach(spec('pod-a', vfPci(0), {}, { netns: undefined }));
    await expect(backend.attach(spec('pod-b', vfPci(0)))).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('reclaims a VF whose netns is gone and later restores the original settings, not the dead pod’s', async () => {
    netlink.state.set(`${PF_IFNAME}/0`, { ...FACTORY_VF, mac: '02:00:00:00:00:99' });
    await attach(spec('pod-a', vfPci(0), { vlan: 5 }, { mac: '02:00:00:00:00:0a' }));
    liveNetns.delete('/var/run/netns/pod-a'); // pod-a died without a DEL
    const second = await attach(spec('pod-b', vfPci(0), { trust: 'on' }));
    expect(netlink.vf(PF_IFNAME, 0)).toMatchObject({ vlan: 0, mac: '02:00:00:00:00:99', trust: true });
    await backend.detach(second);
    expect(netlink.vf(PF_IFNAME, 0)).toEqual({ ...FACTORY_VF, mac: '02:00:00:00:00:99' });
  });

  it('lets exactly one of two pods racing for the same VF have it (two backend instances, one lock dir)', async () => {
    const other = newBackend();
    const results = await Promise.allSettled([
      backend.attach(spec('pod-a', vfPci(0), { vlan: 10 })),
      other.attach(spec('pod-b', vfPci(0), { vlan: 20 })),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost[0]?.reason).toMatchObject({ code: 'ALREADY_EXISTS' });
    const winner = (await backend.list())[0]?.attachmentId;
    expect(netlink.vf(PF_IFNAME, 0).vlan).toBe(winner === 'pod-a:net1' ? 10 : 20);
    expect(netlink.applied).toHaveLength(1);
  });

  it('takes over a lock file left by a dead process', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(stateDir, 'locks'), { recursive: true });
    writeFileSync(join(stateDir, 'locks', `${vfPci(0)}.lock`), '999999999\n');
    await attach(spec('pod-a', vfPci(0)));
  });

  it('waits for a live lock holder and gives up with UNAVAILABLE', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(stateDir, 'locks'), { recursive: true });
    writeFileSync(join(stateDir, 'locks', `${vfPci(0)}.lock`), `${process.ppid}\n`);
    const quick = createSriovBackend({ sysfsRoot: sysfs.root, netlink, log, stateDir, lockTimeoutMs: 200 });
    await expect(quick.attach(spec('pod-a', vfPci(0)))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('locked'),
    });
  });
});
