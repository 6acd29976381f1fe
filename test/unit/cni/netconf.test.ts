import { describe, expect, it } from 'vitest';
import { CniError } from '../../../src/cni/errors.js';
import { netconfSchema, parseJson, validateNetconf } from '../../../src/cni/netconf.js';
import { minimalConf } from './harness.js';

function failure(raw: Record<string, unknown>): CniError {
  try {
    validateNetconf(raw);
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('validateNetconf did not fail');
}

describe('netconf', () => {
  it('fills every default from the minimal memif config', () => {
    const conf = validateNetconf(minimalConf());
    expect(conf.backend).toBe('native');
    expect(conf.interface).toEqual({
      type: 'memif',
      role: 'server',
      mode: 'ethernet',
      id: 0,
      ringSize: 1024,
      bufferSize: 2048,
      queues: 1,
      abstract: false,
    });
  });

  it('fills every default from the minimal vhost-user config', () => {
    const conf = validateNetconf(minimalConf({ interface: { type: 'vhost-user' } }));
    expect(conf.interface).toEqual({ type: 'vhost-user', mode: 'server', queues: 1 });
  });

  it('ignores unknown top-level keys', () => {
    const conf = validateNetconf(minimalConf({ somethingNew: { a: 1 }, ipMasq: true }));
    expect(conf).not.toHaveProperty('somethingNew');
  });

  it('parses socket ownership with an octal string mode', () => {
    const conf = validateNetconf(
      minimalConf({ socket: { dir: '/run/x', uid: 1000, gid: 1000, mode: '0770' } }),
    );
    expect(conf.socket).toEqual({ dir: '/run/x', uid: 1000, gid: 1000, mode: 0o770 });
  });

  it('accepts every documented section', () => {
    const conf = validateNetconf(
      minimalConf({
        backend: 'vpp',
        interface: { type: 'vhost-user', mode: 'client', queues: 2, mtu: 9000, mac: '02:00:00:00:00:09' },
        bridge: 'br-x',
        vlan: 100,
        ipam: { type: 'host-local', subnet: '10.1.0.0/24' },
        capabilities: { mac: true, ips: true, deviceID: true, CNIDeviceInfoFile: true },
        daemonSocket: '/run/pktbridge/cni.sock',
        vpp: { apiSocket: '/run/vpp/api.sock' },
        ovs: { db: 'unix:/run/openvswitch/db.sock', bridge: 'br-int' },
      }),
    );
    expect(conf.ipam).toEqual({ type: 'host-local', subnet: '10.1.0.0/24' });
    expect(conf.vlan).toBe(100);
  });

  it.each([
    [{ name: undefined }, 'name', 'missing'],
    [{ name: 'bad name' }, 'name', '"bad name"'],
    [{ type: 'bridge' }, 'type', '"bridge"'],
    [{ backend: 'dpdk' }, 'backend', '"dpdk"'],
    [{ interface: undefined }, 'interface', 'missing'],
    [{ interface: { type: 'tap' } }, 'interface.type', '"tap"'],
    [{ interface: { type: 'memif', role: 'master' } }, 'interface.role', '"master"'],
    [{ interface: { type: 'memif', ringSize: 1000 } }, 'interface.ringSize', '1000'],
    [{ interface: { type: 'memif', secret: 'x'.repeat(25) } }, 'interface.secret', 'xxx'],
    [{ interface: { type: 'memif', colour: 'red' } }, 'interface.colour', 'unknown key'],
    [{ interface: { type: 'vhost-user', queues: 0 } }, 'interface.queues', '0'],
    [{ interface: { type: 'vhost-user', mac: 'zz' } }, 'interface.mac', '"zz"'],
    [{ interface: { type: 'vhost-user', mtu: 20 } }, 'interface.mtu', '20'],
    [{ interface: { type: 'pci', pciAddress: '3b:02' } }, 'interface.pciAddress', '"3b:02"'],
    [{ vlan: 4095 }, 'vlan', '4095'],
    [{ bridge: 'a', xconnect: 'b' }, 'xconnect', 'mutually exclusive'],
    [{ socket: { mode: 750 } }, 'socket.mode', '750'],
    [{ socket: { dir: 'relative' } }, 'socket.dir', '"relative"'],
    [{ ipam: { subnet: '10.0.0.0/8' } }, 'ipam.type', 'missing'],
    [{ ipam: { type: '../evil' } }, 'ipam.type', '"../evil"'],
    [{ vpp: { apiSocket: 1 } }, 'vpp.apiSocket', '1'],
    [{ daemonSocket: `/${'x'.repeat(120)}` }, 'daemonSocket', 'xxx'],
  ])('rejects %j with code 7 naming %s and its value', (override, field, shown) => {
    const err = failure(minimalConf(override));
    expect(err.code).toBe(7);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    expect(err.message).toContain(shown);
  });

  it('reports invalid JSON as code 6', () => {
    expect(() => parseJson('{"cniVersion":')).toThrow(
      expect.objectContaining({ code: 6 }) as unknown as Error,
    );
    expect(() => parseJson('[1]')).toThrow(/not a JSON object/);
  });

  it('exports a schema usable on its own (for NAD validation)', () => {
    expect(netconfSchema.safeParse(minimalConf()).success).toBe(true);
    expect(netconfSchema.safeParse({ ...minimalConf(), backend: 'x' }).success).toBe(false);
  });
});
