import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PktbridgeError } from '../../../src/errors.js';
import { CniHarness, minimalConf } from './harness.js';

let h: CniHarness;
beforeEach(() => {
  h = new CniHarness();
});
afterEach(() => h.cleanup());

const NETNS = '/var/run/netns/pod-a';

describe('ADD', () => {
  it('attaches the minimal memif config on defaults: native backend, bridge named after the network', async () => {
    const out = await h.call('ADD', minimalConf());
    expect(out.exitCode).toBe(0);
    const record = h.service.get({ containerId: 'c0ffee01', ifname: 'net1' });
    expect(record?.backend).toBe('native');
    expect(record?.spec.connect).toEqual({ kind: 'bridge', bridge: 'dp-a' });
    expect(record?.spec.iface).toMatchObject({ type: 'memif', role: 'server' });
    expect(record?.spec.pod).toEqual({ namespace: 'ns', name: 'pod-a', uid: undefined });
  });

  it('returns a 1.0.0 result with the pod interface and no 1.1.0 fields', async () => {
    const out = await h.call('ADD', minimalConf());
    expect(out.json).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'net1', mac: '02:fe:00:00:00:01', sandbox: NETNS }],
      dns: {},
    });
  });

  it('adds mtu and socketPath to the interface in a 1.1.0 result', async () => {
    const out = await h.call(
      'ADD',
      minimalConf({ cniVersion: '1.1.0', interface: { type: 'vhost-user', mtu: 9000 } }),
    );
    const [iface] = out.json?.interfaces as Record<string, unknown>[];
    expect(out.json?.cniVersion).toBe('1.1.0');
    expect(iface).toMatchObject({ name: 'net1', sandbox: NETNS, mtu: 9000 });
    expect(iface?.socketPath).toMatch(new RegExp(`^${h.socketRoot}/a0/net1\\.sock$`));
  });

  it('gives pciID for a pci interface in 1.1.0, taken from the top-level deviceID Multus sets', async () => {
    const out = await h.call(
      'ADD',
      minimalConf({ cniVersion: '1.1.0', interface: { type: 'pci' }, deviceID: '0000:3b:02.1' }),
    );
    expect((out.json?.interfaces as Record<string, unknown>[])[0]?.pciID).toBe('0000:3b:02.1');
  });

  it.each(['0.3.0', '0.3.1', '0.4.0'])('writes %s IPs with a "version" field', async (version) => {
    const out = await h.call('ADD', minimalConf({ cniVersion: version, ipam: h.hostLocal() }));
    expect(out.exitCode).toBe(0);
    expect(out.json?.cniVersion).toBe(version);
    expect(out.json?.ips).toEqual([
      { version: '4', address: '10.77.0.2/24', gateway: '10.77.0.1', interface: 0 },
    ]);
  });

  it.each(['1.0.0', '1.1.0'])('writes %s IPs without a "version" field (IPAM delegated)', async (version) => {
    const ipam = { ...h.hostLocal(), routes: [{ dst: '10.99.0.0/16' }] };
    const out = await h.call('ADD', minimalConf({ cniVersion: version, ipam }));
    expect(out.exitCode).toBe(0);
    expect(out.json?.ips).toEqual([{ address: '10.77.0.2/24', gateway: '10.77.0.1', interface: 0 }]);
    expect(out.json?.routes).toEqual([{ dst: '10.99.0.0/16' }]);
  });

  it('answers in the highest common version of cniVersions', async () => {
    const conf = minimalConf({ cniVersion: undefined, cniVersions: ['0.4.0', '1.0.0', '3.0.0'] });
    expect((await h.call('ADD', conf)).json?.cniVersion).toBe('1.0.0');
  });

  it('gives the IPAM plugin the chosen version when the config only lists cniVersions', async () => {
    const conf = minimalConf({ cniVersion: undefined, cniVersions: ['0.4.0', '1.0.0'], ipam: h.hostLocal() });
    const out = await h.call('ADD', conf);
    expect(out.json).toMatchObject({ cniVersion: '1.0.0', ips: [{ address: '10.77.0.2/24' }] });
  });

  it('uses the mac capability from runtimeConfig, matched case-insensitively', async () => {
    const conf = minimalConf({ capabilities: { mac: true }, runtimeConfig: { MAC: '02:11:22:33:44:55' } });
    const out = await h.call('ADD', conf);
    expect((out.json?.interfaces as Record<string, unknown>[])[0]?.mac).toBe('02:11:22:33:44:55');
  });

  it('puts the socket in the device-plugin slot named by deviceID', async () => {
    const out = await h.call('ADD', minimalConf({ cniVersion: '1.1.0', deviceID: 'memif-3' }));
    expect((out.json?.interfaces as Record<string, unknown>[])[0]?.socketPath).toBe(
      join(h.socketRoot, 'memif-3', 'net1.sock'),
    );
  });

  it('writes the Device Info Spec 1.1.0 file from the pod side, and DEL removes it', async () => {
    const file = join(h.dir, 'devinfo', 'dp-a-net1.json');
    const conf = minimalConf({
      interface: { type: 'vhost-user' },
      runtimeConfig: { cnideviceinfofile: file },
    });
    expect((await h.call('ADD', conf)).exitCode).toBe(0);
    const info = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(info).toEqual({
      type: 'vhost-user',
      version: '1.1.0',
      'vhost-user': { mode: 'client', path: join(h.socketRoot, 'a0', 'net1.sock') },
    });
    expect((await h.call('DEL', conf)).exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('fails a second ADD of the same ifname with 101 and keeps the first attachment and lease', async () => {
    const conf = minimalConf({ ipam: h.hostLocal() });
    expect((await h.call('ADD', conf)).exitCode).toBe(0);
    const before = h.leftovers().sort();
    const again = await h.call('ADD', conf);
    expect(again.json).toMatchObject({ code: 101 });
    expect(h.leftovers().sort()).toEqual(before);
    expect(h.service.records.size).toBe(1);
  });

  it('maps a backend error to its CNI code and leaves nothing behind', async () => {
    h.service.failNextAttach = new PktbridgeError('UNAVAILABLE', 'vpp is restarting');
    const out = await h.call('ADD', minimalConf({ ipam: h.hostLocal() }));
    expect(out.json).toMatchObject({ code: 11, msg: 'vpp is restarting' });
    expect(h.leftovers()).toEqual([]);
  });
});

describe('DEL', () => {
  it('releases the attachment and the IPAM lease', async () => {
    const conf = minimalConf({ ipam: h.hostLocal() });
    await h.call('ADD', conf);
    expect(h.leftovers().length).toBeGreaterThan(0);
    expect((await h.call('DEL', conf)).exitCode).toBe(0);
    expect(h.leftovers()).toEqual([]);
    expect(h.service.records.size).toBe(0);
  });

  it('succeeds with no netns, no prevResult and no record, and when called twice', async () => {
    const conf = minimalConf({ ipam: h.hostLocal() });
    await h.call('ADD', conf);
    const first = await h.call('DEL', conf, { CNI_NETNS: undefined });
    const second = await h.call('DEL', conf, { CNI_NETNS: '' });
    const never = await h.call('DEL', conf, { CNI_CONTAINERID: 'never-added' });
    expect([first.exitCode, second.exitCode, never.exitCode]).toEqual([0, 0, 0]);
    expect([first.stdout, second.stdout, never.stdout]).toEqual(['', '', '']);
  });
});

describe('CHECK', () => {
  it('passes for an attachment made by ADD, with prevResult and with none', async () => {
    const conf = minimalConf({ ipam: h.hostLocal() });
    const added = await h.call('ADD', conf);
    expect((await h.call('CHECK', { ...conf, prevResult: added.json })).exitCode).toBe(0);
    expect((await h.call('CHECK', conf)).exitCode).toBe(0);
  });

  it('fails with 100 when nothing is attached', async () => {
    expect((await h.call('CHECK', minimalConf())).json).toMatchObject({ code: 100 });
  });

  it('fails with 7 when prevResult does not list the interface', async () => {
    await h.call('ADD', minimalConf());
    const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: NETNS }] };
    const out = await h.call('CHECK', minimalConf({ prevResult }));
    expect(out.json).toMatchObject({ code: 7, details: 'prevResult.interfaces' });
  });

  it('fails when the IPAM plugin has no lease for the container', async () => {
    await h.call('ADD', minimalConf());
    const out = await h.call('CHECK', minimalConf({ ipam: h.hostLocal() }));
    expect(out.exitCode).toBe(1);
    expect(String(out.json?.msg)).toContain('host-local');
  });

  it('is refused for a 0.3.1 config with code 1', async () => {
    expect((await h.call('CHECK', minimalConf({ cniVersion: '0.3.1' }))).json).toMatchObject({ code: 1 });
  });
});

describe('GC', () => {
  it('removes attachments of this network not listed and keeps the listed ones and other networks', async () => {
    for (const id of ['keep1', 'drop1', 'drop2']) await h.call('ADD', minimalConf(), { CNI_CONTAINERID: id });
    await h.call('ADD', minimalConf({ name: 'dp-b' }), { CNI_CONTAINERID: 'other' });
    const gc = minimalConf({
      cniVersion: '1.1.0',
      'cni.dev/valid-attachments': [{ containerID: 'keep1', ifname: 'net1' }],
    });
    const out = await h.call('GC', gc, { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined });
    expect(out.exitCode).toBe(0);
    expect([...h.service.records.keys()].sort()).toEqual(['keep1/net1', 'other/net1']);
  });

  it('is refused for a 1.0.0 config with code 1', async () => {
    expect((await h.call('GC', minimalConf())).json).toMatchObject({ code: 1 });
  });

  it('succeeds with an IPAM plugin that only speaks up to 1.0.0 (GC not delegated)', async () => {
    const conf = minimalConf({ cniVersion: '1.1.0', ipam: h.hostLocal(), 'cni.dev/valid-attachments': [] });
    expect(await h.call('GC', conf, { CNI_CONTAINERID: undefined })).toMatchObject({
      exitCode: 0,
      stdout: '',
    });
  });

  it('delegates GC to an IPAM plugin that speaks 1.1.0', async () => {
    const marker = join(h.dir, 'ipam-gc-called');
    h.addFakePlugin('gc-ipam', `[ "$CNI_COMMAND" = GC ] && touch ${marker}; exit 0`);
    const conf = minimalConf({ cniVersion: '1.1.0', ipam: { type: 'gc-ipam' } });
    expect((await h.call('GC', conf)).exitCode).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});

describe('STATUS', () => {
  const conf = minimalConf({ cniVersion: '1.1.0' });

  it('succeeds silently when the backend is ready', async () => {
    expect(await h.call('STATUS', conf)).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it('passes with an IPAM plugin that does not speak STATUS', async () => {
    expect((await h.call('STATUS', { ...conf, ipam: h.hostLocal() })).exitCode).toBe(0);
  });

  it("reports the IPAM plugin's own STATUS error", async () => {
    h.addFakePlugin('down-ipam', `echo '{"cniVersion":"1.1.0","code":50,"msg":"no pool"}'; exit 1`);
    expect((await h.call('STATUS', { ...conf, ipam: { type: 'down-ipam' } })).json).toMatchObject({
      code: 50,
    });
  });

  it('reports 50 when the backend is not ready or not enabled', async () => {
    h.service.statuses = { native: { ready: false, message: 'EAL not initialised' } };
    expect((await h.call('STATUS', conf)).json).toMatchObject({ code: 50 });
    expect((await h.call('STATUS', { ...conf, backend: 'vpp' })).json).toMatchObject({ code: 50 });
  });
});

describe('VERSION', () => {
  it('answers without a valid netconf', async () => {
    const out = await h.call('VERSION', { cniVersion: '0.4.0' });
    expect(out.json).toEqual({
      cniVersion: '0.4.0',
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });
});
