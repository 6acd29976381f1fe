// The OVS-DPDK backend against a real ovsdb-server + ovs-vswitchd (DPDK) with two dpdk-testpmd
// "pods" on dpdkvhostuserclient ports. Busy pollers: the OVS PMD on CPU 1, both testpmds on CPU 0.
// Run under the dataplane lock: flock /tmp/pktbridge-dataplane.lock npx vitest run test/integration/ovs
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { AttachmentRecord, AttachSpec, Backend } from '../../../src/backends/backend.js';
import { createOvsBackend } from '../../../src/backends/ovs/index.js';
import { portNameFor } from '../../../src/backends/ovs/transactions.js';
import { hasOvsDpdk, ovsDpdkUnavailable, startPrivateOvs, type PrivateOvs } from '../../helpers/ovs.js';
import { startTestpmd, type Testpmd } from '../../helpers/testpmd.js';

const log = pino({ level: process.env.PKTBRIDGE_TEST_LOG ?? 'silent' });
// Checked before any test starts OVS: the hugepages must be free for ovs-vswitchd plus two testpmds.
const missing = ovsDpdkUnavailable(256 * 3);
if (missing) console.warn(`skipping OVS-DPDK backend tests: ${missing}`);
const ovsdbMissing = hasOvsDpdk();

const BRIDGE = 'br-pbtest';

function specFor(name: string, socketRoot: string, backendConfig: Record<string, unknown>): AttachSpec {
  const socketDir = join(socketRoot, name);
  return {
    id: `ctr-${name}:net1`,
    containerId: `ctr-${name}`,
    ifname: 'net1',
    network: 'ovs-net',
    iface: { type: 'vhost-user', mode: 'client', queues: 1 },
    socketDir,
    socketPath: join(socketDir, 'net1.sock'),
    socketOwnership: { dirMode: 0o750 },
    mtu: 1500,
    connect: { kind: 'bridge', bridge: BRIDGE },
    backendConfig,
  };
}

const recordOf = (spec: AttachSpec, result: Awaited<ReturnType<Backend['attach']>>): AttachmentRecord => ({
  spec,
  backend: 'ovs-dpdk',
  result,
  createdAt: new Date().toISOString(),
});

/** A pod's DPDK app: serves the vhost-user socket; flowgen both sends and counts what it receives. */
function startPod(socketPath: string): Promise<Testpmd> {
  return startTestpmd({
    ports: [{ kind: 'virtio-user', socketPath, server: true }],
    forwardMode: 'txonly',
    // Both testpmds share CPU 0 (the OVS PMD has CPU 1): never more busy CPUs than cores.
    lcores: '0@0,1@0',
    memoryMb: 256,
    // flowgen = txonly + rxonly in one loop; the harness' type does not list it, the later flag wins.
    extraAppArgs: ['--forward-mode=flowgen'],
    maxLifetimeMs: 90_000,
  });
}

const rxOf = (pod: Testpmd): number => pod.latestStats().get(0)?.rxPackets ?? 0;

describe.skipIf(missing !== undefined)('OVS-DPDK backend with real ovs-vswitchd', () => {
  let ovs: PrivateOvs;
  let backend: Backend;
  let socketRoot: string;
  const pods: Testpmd[] = [];

  beforeAll(async () => {
    ovs = await startPrivateOvs({ vswitchd: true });
    socketRoot = mkdtempSync(join(tmpdir(), 'pbovs-sock-'));
    backend = createOvsBackend({
      db: ovs.db,
      bridge: BRIDGE,
      log,
      attachTimeoutMs: 5_000,
      vhostSockDir: ovs.dir,
    });
  });
  afterEach(async () => {
    await Promise.all(pods.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await Promise.all(pods.splice(0).map((p) => p.stop()));
    await backend?.close();
    await ovs?.stop();
    rmSync(socketRoot, { recursive: true, force: true });
  });

  it('reports ready once ovs-vswitchd has initialised DPDK', async () => {
    const status = await backend.status();
    expect(status).toMatchObject({ ready: true, details: { dpdkInitialized: true } });
  });

  it('fails with NOT_FOUND for a missing bridge and leaves nothing behind', async () => {
    const spec = specFor('nobridge', socketRoot, { bridge: 'br-absent' });
    await expect(backend.attach(spec)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('br-absent'),
    });
    expect(await ovs.vsctl('--columns=name', 'find', 'Port', `name=${portNameFor(spec.id)}`)).toBe('');
    expect(existsSync(spec.socketDir as string)).toBe(false);
  });

  it("fails with OVS's own error text when ovs-vswitchd refuses the port, and removes it", async () => {
    await ovs.vsctl('--may-exist', 'add-br', BRIDGE, '--', 'set', 'Bridge', BRIDGE, 'datapath_type=netdev');
    const spec = specFor('refused', socketRoot, { portType: 'dpdkvhostuser' });
    // A directory where OVS must create its server socket: rte_vhost refuses to bind there.
    const blocker = join(ovs.dir, portNameFor(spec.id));
    mkdirSync(blocker);
    try {
      await expect(backend.attach(spec)).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: expect.stringMatching(/ovs-vswitchd refused interface .*could not open network device/),
      });
      expect(await ovs.vsctl('--columns=name', 'find', 'Interface', `name=${portNameFor(spec.id)}`)).toBe('');
    } finally {
      rmSync(blocker, { recursive: true, force: true });
    }
  });

  it('carries traffic both ways between two pods, survives an ovs-vswitchd restart, and detaches cleanly', async () => {
    const config = { bridge: 'br-pods', createBridge: true, tag: 100 };
    const specA = specFor('a', socketRoot, config);
    const specB = specFor('b', socketRoot, config);
    const recordA = recordOf(specA, await backend.attach(specA));
    const recordB = recordOf(specB, await backend.attach(specB));

    const portA = portNameFor(specA.id);
    expect(await ovs.vsctl('get', 'Bridge', 'br-pods', 'datapath_type')).toBe('netdev');
    expect(await ovs.vsctl('get', 'Interface', portA, 'type')).toBe('dpdkvhostuserclient');
    expect(await ovs.vsctl('get', 'Interface', portA, 'options:vhost-server-path')).toBe(
      `"${specA.socketPath}"`,
    );
    expect(await ovs.vsctl('get', 'Port', portA, 'tag')).toBe('100');
    expect(await ovs.vsctl('get', 'Port', portA, 'external_ids:pktbridge-container-id')).toBe('ctr-a');
    expect(recordA.result.deviceInfo).toEqual({
      type: 'vhost-user',
      version: '1.1.0',
      'vhost-user': { mode: 'server', path: specA.socketPath },
    });
    const owned = await backend.list();
    expect(owned.map((o) => o.attachmentId).sort()).toEqual([specA.id, specB.id]);
    await backend.check(recordA);

    const podA = await startPod(specA.socketPath as string);
    pods.push(podA);
    const podB = await startPod(specB.socketPath as string);
    pods.push(podB);
    // Each pod only receives what the other sent through OVS.
    await podA.waitForStats((s) => (s.get(0)?.rxPackets ?? 0) > 1000, 20_000);
    await podB.waitForStats((s) => (s.get(0)?.rxPackets ?? 0) > 1000, 20_000);

    await ovs.stopVswitchd();
    await ovs.startVswitchd();
    const [rxA, rxB] = [rxOf(podA), rxOf(podB)];
    await podA.waitForStats((s) => (s.get(0)?.rxPackets ?? 0) > rxA + 1000, 30_000);
    await podB.waitForStats((s) => (s.get(0)?.rxPackets ?? 0) > rxB + 1000, 30_000);
    await backend.check(recordB);

    await backend.detach(recordA);
    await backend.detach(recordB);
    await backend.detach(recordB); // idempotent
    for (const name of [portA, portNameFor(specB.id)]) {
      expect(await ovs.vsctl('--columns=name', 'find', 'Port', `name=${name}`)).toBe('');
      expect(await ovs.vsctl('--columns=name', 'find', 'Interface', `name=${name}`)).toBe('');
    }
    expect(await backend.list()).toEqual([]);
    await expect(backend.check(recordA)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 120_000);

  it('makes a dpdkvhostuser port when asked: OVS serves the socket in its vhost-sock-dir', async () => {
    const spec = specFor('server', socketRoot, { bridge: BRIDGE, portType: 'dpdkvhostuser' });
    const record = recordOf(spec, await backend.attach(spec));
    const socketPath = join(ovs.dir, portNameFor(spec.id));
    expect(record.result.socketPath).toBe(socketPath);
    expect(statSync(socketPath).isSocket()).toBe(true);
    expect(record.result.deviceInfo).toEqual({
      type: 'vhost-user',
      version: '1.1.0',
      'vhost-user': { mode: 'client', path: socketPath },
    });
    expect(await ovs.vsctl('get', 'Interface', portNameFor(spec.id), 'type')).toBe('dpdkvhostuser');
    await backend.detach(record);
    expect(await ovs.vsctl('--columns=name', 'find', 'Port', `name=${portNameFor(spec.id)}`)).toBe('');
  });

  it('re-creates a port lost from OVS on restore, and removes an orphan on GC', async () => {
    const spec = specFor('restore', socketRoot, { bridge: BRIDGE });
    const record = recordOf(spec, await backend.attach(spec));
    const portName = portNameFor(spec.id);
    await ovs.vsctl('del-port', BRIDGE, portName);
    await expect(backend.check(record)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await backend.restore(record);
    await backend.check(record);
    expect(await ovs.vsctl('get', 'Port', portName, 'external_ids:pktbridge-attachment-id')).toBe(
      `"${spec.id}"`,
    );

    const orphan = (await backend.list()).find((o) => o.attachmentId === spec.id);
    expect(orphan).toMatchObject({ kind: 'ovs-port', ref: portName });
    await backend.removeOrphan(orphan!);
    expect(await ovs.vsctl('--columns=name', 'find', 'Interface', `name=${portName}`)).toBe('');
  });

  it('times out and removes the port when ovs-vswitchd is down', async () => {
    await ovs.stopVswitchd();
    try {
      const spec = specFor('novswitchd', socketRoot, { bridge: BRIDGE, attachTimeoutMs: 1_000 });
      await expect(backend.attach(spec)).rejects.toMatchObject({
        code: 'TIMEOUT',
        message: expect.stringContaining('ovs-vswitchd'),
      });
      expect(await ovs.vsctl('--columns=name', 'find', 'Port', `name=${portNameFor(spec.id)}`)).toBe('');
      expect(existsSync(spec.socketDir as string)).toBe(false);
    } finally {
      await ovs.startVswitchd();
    }
  });

  it('fails with UNAVAILABLE when ovsdb-server cannot be reached', async () => {
    const spec = specFor('nodb', socketRoot, { db: `unix:${join(socketRoot, 'no-such-db.sock')}` });
    await expect(backend.attach(spec)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('no-such-db.sock'),
    });
    expect(existsSync(spec.socketDir as string)).toBe(false);
  });
});

describe.skipIf(ovsdbMissing !== undefined)('OVS-DPDK backend status without DPDK', () => {
  it('is not ready when ovs-vswitchd has not initialised DPDK', async () => {
    const ovs = await startPrivateOvs();
    const backend = createOvsBackend({ db: ovs.db, log });
    try {
      expect(await backend.status()).toMatchObject({
        ready: false,
        message: expect.stringContaining('dpdk-init'),
      });
    } finally {
      await backend.close();
      await ovs.stop();
    }
  });

  it('is not ready, with the reason, when ovsdb-server is down', async () => {
    const backend = createOvsBackend({ db: 'unix:/nonexistent/db.sock', log });
    expect(await backend.status()).toMatchObject({
      ready: false,
      message: expect.stringContaining('/nonexistent/db.sock'),
    });
    await backend.close();
  });
});
