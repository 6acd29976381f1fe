// PortSpec validation and translation into DPDK devargs, without DPDK.
import { describe, expect, it } from 'vitest';
import { nativePortRequest, normalizePciAddress } from '../../../native-dpdk/ts/devargs.js';
import { engineOptionsSchema, portSpecSchema } from '../../../native-dpdk/ts/schemas.js';

describe('port spec validation', () => {
  it('rejects a socket path that does not fit in sun_path (108 bytes with the NUL)', () => {
    const fits = `/${'a'.repeat(106)}`;
    const tooLong = `/${'a'.repeat(107)}`;
    const spec = (socketPath: string) => ({ kind: 'vhost-user', name: 'v', socketPath, mode: 'server' });
    expect(portSpecSchema.safeParse(spec(fits)).success).toBe(true);
    expect(portSpecSchema.safeParse(spec(tooLong)).success).toBe(false);
  });

  it('counts bytes, not characters, against the socket path limit', () => {
    const path = `/${'é'.repeat(54)}`; // 55 characters, 109 bytes
    expect(
      portSpecSchema.safeParse({ kind: 'memif', name: 'm', socketPath: path, role: 'server' }).success,
    ).toBe(false);
  });

  it('rejects names that would break devargs', () => {
    for (const name of ['a,b', 'a=b', 'a b', '', '-lead', 'x'.repeat(33)]) {
      expect(portSpecSchema.safeParse({ kind: 'null', name }).success, name).toBe(false);
    }
  });

  it('requires a power-of-two memif ring size', () => {
    const base = { kind: 'memif', name: 'm', socketPath: '/run/m.sock', role: 'server' };
    expect(portSpecSchema.safeParse({ ...base, ringSize: 1024 }).success).toBe(true);
    expect(portSpecSchema.safeParse({ ...base, ringSize: 1000 }).success).toBe(false);
  });

  it('accepts only PCI addresses of the domain:bus:device.function shape', () => {
    const pci = (pciAddress: string) =>
      portSpecSchema.safeParse({ kind: 'pci', name: 'u', pciAddress }).success;
    expect(pci('0000:03:00.1')).toBe(true);
    expect(pci('03:00.1')).toBe(true);
    expect(pci('0000:03:00.8')).toBe(false);
    expect(pci('eth0')).toBe(false);
    expect(normalizePciAddress('03:0A.1')).toBe('0000:03:0a.1');
  });

  it('requires at least one worker CPU and a safe file prefix', () => {
    expect(engineOptionsSchema.safeParse({ workerCpus: [], filePrefix: 'p' }).success).toBe(false);
    expect(engineOptionsSchema.safeParse({ workerCpus: [1], filePrefix: '../x' }).success).toBe(false);
    expect(engineOptionsSchema.safeParse({ workerCpus: [1], filePrefix: 'pb1' }).success).toBe(true);
  });
});

describe('native port requests', () => {
  it('sizes vhost-user queue pairs for the workers and sets client mode', () => {
    const request = nativePortRequest(
      { kind: 'vhost-user', name: 'pod1', socketPath: '/run/s/pod1.sock', mode: 'client', queues: 1 },
      2,
      '/tmp/rt',
    );
    expect(request).toMatchObject({ devName: 'net_vhost_pod1', rxQueues: 1, bus: 'vdev' });
    expect(request.devargs).toBe('net_vhost_pod1,iface=/run/s/pod1.sock,queues=2,client=1');
  });

  it('puts a memif PMD on a private filesystem socket and relays the pod-facing one', () => {
    const request = nativePortRequest(
      {
        kind: 'memif',
        name: 'm1',
        socketPath: 'abstract-name',
        role: 'server',
        id: 3,
        ringSize: 2048,
        bufferSize: 2048,
        abstract: true,
        netns: '/var/run/netns/pod',
      },
      1,
      '/tmp/rt',
    );
    expect(request.devargs).toBe(
      'net_memif_m1,role=server,id=3,socket=/tmp/rt/m1.sock,socket-abstract=no,rsize=11,bsize=2048',
    );
    expect(request.relay).toEqual({
      pmdIsServer: true,
      podSocket: 'abstract-name',
      podAbstract: true,
      netnsPath: '/var/run/netns/pod',
      pmdSocket: '/tmp/rt/m1.sock',
    });
  });

  it('lets the PMD bind the pod socket itself only when the relay is switched off', () => {
    const spec = {
      kind: 'memif' as const,
      name: 'm2',
      socketPath: '/run/p/m2.sock',
      role: 'server' as const,
    };
    const direct = nativePortRequest(spec, 1, '/tmp/rt', false);
    expect(direct.relay).toBeUndefined();
    expect(direct.devargs).toBe('net_memif_m2,role=server,id=0,socket=/run/p/m2.sock,socket-abstract=no');
  });

  it('hotplugs a PCI device on the pci bus by its full address', () => {
    const request = nativePortRequest({ kind: 'pci', name: 'up', pciAddress: '3b:00.0' }, 1, '/tmp/rt');
    expect(request).toMatchObject({ bus: 'pci', devName: '0000:3b:00.0', devargs: '0000:3b:00.0' });
  });
});
