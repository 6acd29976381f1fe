// The vpp backend against the capture-driven VPP stand-in: attach/detach/list/check/restore/GC for
// memif and vhost-user, bridge domains and cross-connects, rollback, VPP restart, status, CRC check.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadDefinitions } from '../../../vpp-api/definitions.js';
import type {
  AttachmentRecord,
  AttachSpec,
  ConnectSpec,
  InterfaceSpec,
} from '../../../src/backends/backend.js';
import { createVppBackend, type VppBackend } from '../../../src/backends/vpp/index.js';
import { bridgeDomainId } from '../../../src/backends/vpp/config.js';
import { sharedVppDir } from '../../helpers/vpp-replay.js';
import { FakeVpp } from './fake-vpp.js';

const log = pino({ level: 'silent' });
let vpp: FakeVpp;
let backend: VppBackend;
let socketRoot: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  vpp = await FakeVpp.start();
  socketRoot = mkdtempSync(path.join(os.tmpdir(), 'pb-vpp-sockets-'));
  backend = createVppBackend({
    apiSocket: vpp.socketPath,
    log,
    requestTimeoutMs: 2000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
  });
});

afterEach(async () => {
  await backend.close();
  await vpp.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(socketRoot, { recursive: true, force: true });
});

const memifIface: InterfaceSpec = {
  type: 'memif',
  role: 'server',
  mode: 'ethernet',
  id: 0,
  ringSize: 1024,
  bufferSize: 2048,
  queues: 1,
  abstract: false,
};
const vhostIface: InterfaceSpec = { type: 'vhost-user', mode: 'server', queues: 1 };

function spec(
  id: string,
  iface: InterfaceSpec,
  connect: ConnectSpec,
  backendConfig: Record<string, unknown> = {},
): AttachSpec {
  const socketDir = path.join(socketRoot, id.slice(0, 12));
  return {
    id,
    containerId: `container-${id}`,
    ifname: 'net1',
    network: 'net-a',
    pod: { namespace: 'default', name: 'pod-a' },
    iface,
    socketDir,
    socketPath: path.join(socketDir, 'net1.sock'),
    socketOwnership: { dirMode: 0o750 },
    connect,
    backendConfig,
  };
}

async function attachRecord(s: AttachSpec): Promise<AttachmentRecord> {
  const result = await backend.attach(s);
  return { spec: s, backend: 'vpp', result, createdAt: new Date().toISOString() };
}

const tagged = (id: string) => vpp.interfaceList().find((i) => i.tag.startsWith(`pktbridge:${id} `));

describe('vpp backend', () => {
  it('attaches a memif as VPP-side server, tagged, up, in the bridge domain of its bridge', async () => {
    const s = spec('aaaaaaaaaaaaaaaa', memifIface, { kind: 'bridge', bridge: 'net-a' });
    const record = await attachRecord(s);
    const iface = tagged(s.id)!;
    expect(iface).toMatchObject({
      devType: 'memif',
      flags: 1,
      tag: 'pktbridge:aaaaaaaaaaaaaaaa default/pod-a/net1',
      memif: { role: 0, id: 0 },
    });
    expect(iface.name).toMatch(/^memif1013904223\/0$/);
    expect(vpp.memifSockets().get(1013904223)).toBe(s.socketPath);
    expect(statSync(s.socketDir!).mode & 0o777).toBe(0o750);
    expect(vpp.bridgeDomain(bridgeDomainId('net-a'))).toEqual({
      tag: 'pktbridge:bd net-a',
      members: [iface.swIfIndex],
    });
    expect(record.result.deviceInfo).toEqual({
      type: 'memif',
      version: '1.1.0',
      memif: { role: 'client', mode: 'ethernet', path: s.socketPath },
    });
    expect(record.result.objects).toEqual([
      { backend: 'vpp', kind: 'memif', ref: `${vpp.socketPath}#${iface.swIfIndex}`, attachmentId: s.id },
    ]);
    await backend.check(record);
  });

  it('sets the hardware MTU when the spec asks for one', async () => {
    const s = { ...spec('abababababababab', vhostIface, { kind: 'none' }), mtu: 9000 };
    await attachRecord(s);
    expect(tagged(s.id)?.mtu).toBe(9000);
  });

  it('detaches in reverse: leaves the bridge, deletes the empty bridge domain, the memif, its socket and socket file', async () => {
    const s = spec('bbbbbbbbbbbbbbbb', memifIface, { kind: 'bridge', bridge: '42' });
    const record = await attachRecord(s);
    expect(existsSync(s.socketPath!)).toBe(true);
    await backend.detach(record);
    expect(tagged(s.id)).toBeUndefined();
    expect(vpp.bridgeDomain(42)).toBeUndefined();
    expect([...vpp.memifSockets().keys()]).toEqual([0]);
    expect(existsSync(s.socketPath!)).toBe(false);
    await backend.detach(record);
    await expect(backend.check(record)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps a shared bridge domain until its last pktbridge member leaves', async () => {
    const a = await attachRecord(spec('cccccccccccccccc', memifIface, { kind: 'bridge', bridge: 'shared' }));
    const b = await attachRecord(
      spec('dddddddddddddddd', { ...memifIface, id: 1 }, { kind: 'bridge', bridge: 'shared' }),
    );
    const bdId = bridgeDomainId('shared');
    expect(vpp.bridgeDomain(bdId)?.members).toHaveLength(2);
    await backend.detach(a);
    expect(vpp.bridgeDomain(bdId)?.members).toEqual([tagged('dddddddddddddddd')!.swIfIndex]);
    await backend.detach(b);
    expect(vpp.bridgeDomain(bdId)).toBeUndefined();
  });

  it('attaches vhost-user cross-connected both ways to an uplink, and undoes it on detach', async () => {
    const s = spec('eeeeeeeeeeeeeeee', vhostIface, { kind: 'xconnect', peer: 'uplink0' });
    const record = await attachRecord(s);
    const iface = tagged(s.id)!;
    expect(iface).toMatchObject({
      devType: 'vhost-user',
      flags: 1,
      vhost: { socketPath: s.socketPath, isServer: true },
    });
    expect(vpp.xconnectOf(iface.swIfIndex)).toBe(1);
    expect(vpp.xconnectOf(1)).toBe(iface.swIfIndex);
    expect(record.result.deviceInfo).toMatchObject({ type: 'vhost-user', 'vhost-user': { mode: 'client' } });
    await backend.check(record);
    await backend.detach(record);
    expect(vpp.xconnectOf(1)).toBeUndefined();
    expect(tagged(s.id)).toBeUndefined();
    expect(existsSync(s.socketPath!)).toBe(false);
  });

  it('rolls back the interface and memif socket when a later step fails', async () => {
    const s = spec('ffffffffffffffff', memifIface, { kind: 'xconnect', peer: 'no-such-uplink' });
    await expect(backend.attach(s)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/no-such-uplink/),
    });
    expect(vpp.interfaceList().map((i) => i.name)).toEqual(['local0', 'uplink0']);
    expect([...vpp.memifSockets().keys()]).toEqual([0]);
    expect(existsSync(s.socketDir!)).toBe(false);
  });

  it('refuses what it cannot serve before creating anything', async () => {
    const abstract = spec('acacacacacacacac', { ...memifIface, abstract: true }, { kind: 'none' });
    await expect(backend.attach(abstract)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    const pci = spec('adadadadadadadad', { type: 'pci', pciAddress: '0000:00:04.0' }, { kind: 'none' });
    await expect(backend.attach(pci)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect(existsSync(abstract.socketDir!)).toBe(false);
    expect(vpp.interfaceList().map((i) => i.name)).toEqual(['local0', 'uplink0']);
  });

  it('lists only tagged interfaces with their attachment ids, and removes orphans', async () => {
    await attachRecord(spec('1111111111111111', memifIface, { kind: 'none' }));
    await attachRecord(spec('2222222222222222', vhostIface, { kind: 'none' }));
    const objects = await backend.list();
    expect(objects.map((o) => [o.kind, o.attachmentId])).toEqual([
      ['memif', '1111111111111111'],
      ['vhost-user', '2222222222222222'],
    ]);
    await backend.removeOrphan(objects[0]!);
    expect((await backend.list()).map((o) => o.attachmentId)).toEqual(['2222222222222222']);
  });

  it('re-creates its attachments after VPP restarts', async () => {
    const s = spec('3333333333333333', memifIface, { kind: 'bridge', bridge: 'net-a' });
    await attachRecord(s);
    await vpp.restart();
    expect(tagged(s.id)).toBeUndefined();
    const deadline = Date.now() + 5000;
    while (!tagged(s.id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const iface = tagged(s.id)!;
    expect(iface).toMatchObject({ devType: 'memif', flags: 1 });
    expect(vpp.bridgeDomain(bridgeDomainId('net-a'))?.members).toEqual([iface.swIfIndex]);
  });

  it('restore re-creates a recorded attachment VPP no longer has', async () => {
    const s = spec('4444444444444444', vhostIface, { kind: 'none' });
    const record = await attachRecord(s);
    await backend.removeOrphan(record.result.objects[0]!);
    await expect(backend.check(record)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await backend.restore(record);
    await backend.check(record);
  });

  it('uses the network override of the API socket', async () => {
    const other = await FakeVpp.start();
    cleanups.push(() => other.close());
    const s = spec('5555555555555555', memifIface, { kind: 'none' }, { apiSocket: other.socketPath });
    await attachRecord(s);
    expect(other.interfaceList().some((i) => i.tag.startsWith('pktbridge:5555555555555555'))).toBe(true);
    expect(tagged(s.id)).toBeUndefined();
    await expect(
      backend.attach(spec('6666666666666666', memifIface, { kind: 'none' }, { apiSocket: 'relative' })),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('reports status: connected and compatible, with the VPP version', async () => {
    const status = await backend.status();
    expect(status).toMatchObject({
      ready: true,
      details: { version: '26.10-rc0~374-gb575ec2c56d', memif: true, vhostUser: true, incompatible: [] },
    });
  });

  it('can speak with the definitions of the VPP host instead of the bundled ones', async () => {
    const hostDefs = createVppBackend({
      apiSocket: vpp.socketPath,
      log,
      definitionsDir: path.join(sharedVppDir(), 'api'),
    });
    cleanups.push(() => hostDefs.close());
    expect(await hostDefs.status()).toMatchObject({ ready: true });
    await hostDefs.attach(spec('9999999999999999', vhostIface, { kind: 'none' }));
    expect(tagged('9999999999999999')).toBeDefined();
  });

  it('reports not ready when nothing listens on the API socket', async () => {
    const absent = createVppBackend({
      apiSocket: path.join(socketRoot, 'absent.sock'),
      log,
      connectTimeoutMs: 500,
    });
    cleanups.push(() => absent.close());
    expect(await absent.status()).toMatchObject({
      ready: false,
      message: expect.stringMatching(/absent\.sock/),
    });
    await expect(absent.attach(spec('7777777777777777', memifIface, { kind: 'none' }))).rejects.toMatchObject(
      { code: 'UNAVAILABLE' },
    );
  });

  it('refuses to work with a VPP whose CRCs differ, naming the message and both CRCs', async () => {
    const definitions = loadDefinitions(path.join(sharedVppDir(), 'api'));
    definitions.messages.get('sw_interface_set_flags')!.crc = '0xdeadbeef';
    const skewed = createVppBackend({ apiSocket: vpp.socketPath, log, definitions });
    cleanups.push(() => skewed.close());
    const status = await skewed.status();
    expect(status.ready).toBe(false);
    expect(status.message).toMatch(
      /sw_interface_set_flags: CRC mismatch, client has 0xdeadbeef, VPP has 0xf5aec1b8/,
    );
    await expect(skewed.attach(spec('8888888888888888', memifIface, { kind: 'none' }))).rejects.toMatchObject(
      { code: 'INCOMPATIBLE' },
    );
  });
});

describe('vpp backend concurrency', () => {
  it('attaches and detaches many pods on one bridge concurrently without racing on the bridge domain', async () => {
    const specs = Array.from({ length: 6 }, (_, i) =>
      spec(`c0ffee000000000${i}`, { ...memifIface, id: i }, { kind: 'bridge', bridge: 'busy' }),
    );
    const records = await Promise.all(specs.map((s) => attachRecord(s)));
    expect(vpp.bridgeDomain(bridgeDomainId('busy'))?.members).toHaveLength(6);
    await Promise.all(records.map((r) => backend.detach(r)));
    expect(vpp.bridgeDomain(bridgeDomainId('busy'))).toBeUndefined();
    expect(vpp.interfaceList().map((i) => i.name)).toEqual(['local0', 'uplink0']);
  });
});
