// The OVS backend's per-network settings, remote parsing and the port transaction it sends.
import { describe, expect, it } from 'vitest';
import { resolveOvsConfig, type OvsDefaults } from '../../../src/backends/ovs/config.js';
import { parseRemote } from '../../../src/backends/ovs/jsonRpcConnection.js';
import { addPortOps, deletePortOps, portNameFor } from '../../../src/backends/ovs/transactions.js';

const defaults: OvsDefaults = {
  db: 'unix:/var/run/openvswitch/db.sock',
  bridge: 'br-dpdk',
  createBridge: false,
  vhostSockDir: '/var/run/openvswitch',
  attachTimeoutMs: 10_000,
};

describe('resolveOvsConfig', () => {
  it('fills the defaults for an empty section (the minimal vhost-user config)', () => {
    expect(resolveOvsConfig({}, defaults)).toEqual({ ...defaults, portType: 'dpdkvhostuserclient' });
  });

  it('takes per-network db and bridge overrides', () => {
    expect(resolveOvsConfig({ db: 'tcp:127.0.0.1:6640', bridge: 'br-x' }, defaults)).toMatchObject({
      db: 'tcp:127.0.0.1:6640',
      bridge: 'br-x',
    });
  });

  it('takes n_rxq from the interface queues unless ovs.nRxq says otherwise', () => {
    const spec = {
      connect: { kind: 'none' as const },
      iface: { type: 'vhost-user' as const, mode: 'client' as const, queues: 4 },
    };
    expect(resolveOvsConfig({}, defaults, spec).nRxq).toBe(4);
    expect(resolveOvsConfig({ nRxq: 2 }, defaults, spec).nRxq).toBe(2);
    expect(
      resolveOvsConfig({}, defaults, { ...spec, iface: { ...spec.iface, queues: 1 } }).nRxq,
    ).toBeUndefined();
  });

  it('rejects a cross-connect, which an OVS bridge port cannot honour', () => {
    const spec = {
      connect: { kind: 'xconnect' as const, peer: 'x' },
      iface: { type: 'vhost-user' as const, mode: 'client' as const, queues: 1 },
    };
    expect(() => resolveOvsConfig({}, defaults, spec)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^xconnect:/) }),
    );
  });

  it.each([
    [{ bridge: 'a-bridge-name-too-long' }, 'ovs.bridge'],
    [{ db: '/var/run/db.sock' }, 'ovs.db'],
    [{ tag: 4096 }, 'ovs.tag'],
    [{ trunks: [1, 5000] }, 'ovs.trunks.1'],
    [{ portType: 'dpdk' }, 'ovs.portType'],
    [{ unknown: 1 }, 'ovs.'],
  ])('rejects %j naming %s', (section, field) => {
    expect(() => resolveOvsConfig(section, defaults)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(field) }),
    );
  });
});

describe('parseRemote', () => {
  it('parses unix and tcp remotes, including IPv6', () => {
    expect(parseRemote('unix:/run/db.sock')).toEqual({ kind: 'unix', path: '/run/db.sock' });
    expect(parseRemote('tcp:10.0.0.1:6640')).toEqual({ kind: 'tcp', host: '10.0.0.1', port: 6640 });
    expect(parseRemote('tcp:[::1]:6640')).toEqual({ kind: 'tcp', host: '::1', port: 6640 });
    expect(() => parseRemote('ssl:1.2.3.4:6640')).toThrow(/unix:PATH or tcp:HOST:PORT/);
  });
});

describe('port transactions', () => {
  it('names ports stably and within 15 characters', () => {
    expect(portNameFor('ctr:net1')).toBe(portNameFor('ctr:net1'));
    expect(portNameFor('ctr:net1')).not.toBe(portNameFor('ctr:net2'));
    expect(portNameFor('x'.repeat(300)).length).toBeLessThanOrEqual(15);
  });

  it('adds interface and port and links them to the bridge in one transaction guarded by a wait', () => {
    const ops = addPortOps('11111111-2222-3333-4444-555555555555', 'br0', {
      portName: 'pb1',
      portType: 'dpdkvhostuserclient',
      serverSocketPath: '/run/pb/a/net1.sock',
      tag: 10,
      trunks: [20, 30],
      mtu: 9000,
      nRxq: 2,
      externalIds: { 'pktbridge-owner': 'pktbridge' },
    });
    expect(ops.map((o) => o.op)).toEqual(['wait', 'insert', 'insert', 'mutate', 'comment']);
    expect(ops[1]).toMatchObject({
      table: 'Interface',
      row: {
        type: 'dpdkvhostuserclient',
        options: [
          'map',
          [
            ['vhost-server-path', '/run/pb/a/net1.sock'],
            ['n_rxq', '2'],
          ],
        ],
        mtu_request: 9000,
      },
    });
    expect(ops[2]).toMatchObject({
      table: 'Port',
      row: { tag: 10, trunks: ['set', [20, 30]], interfaces: ['named-uuid', 'iface'] },
    });
  });

  it('deletes the port and every interface while unlinking it from any bridge', () => {
    const ops = deletePortOps('p-uuid', ['i1', 'i2'], 'pb1');
    expect(ops.filter((o) => o.op === 'delete').map((o) => o.table)).toEqual([
      'Port',
      'Interface',
      'Interface',
    ]);
    expect(ops[0]).toMatchObject({ op: 'mutate', where: [['ports', 'includes', ['uuid', 'p-uuid']]] });
  });
});
