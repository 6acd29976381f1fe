import { describe, expect, it } from 'vitest';
import { annotationFromDownwardApi, parseNetworkStatus } from '../../../src/podargs/network-status.js';
import { podEalArgs } from '../../../src/podargs/eal-args.js';

const status = [
  { name: 'cbr0', interface: 'eth0', ips: ['10.244.1.5'], default: true },
  {
    name: 'default/dp-a',
    interface: 'net1',
    ips: ['198.18.0.2'],
    mac: '02:fe:00:00:00:01',
    'device-info': {
      type: 'vhost-user',
      version: '1.1.0',
      'vhost-user': { mode: 'client', path: '/var/run/pktbridge/s1/net1.sock' },
    },
  },
  {
    name: 'default/dp-b',
    interface: 'net2',
    'device-info': {
      type: 'memif',
      version: '1.1.0',
      memif: { role: 'client', mode: 'ethernet', path: '/var/run/pktbridge/s2/net2.sock' },
    },
  },
  {
    name: 'default/sriov',
    interface: 'net3',
    'device-info': { type: 'pci', version: '1.1.0', pci: { 'pci-address': '0000:3b:02.1' } },
  },
];

describe('pod-args', () => {
  it('reads the annotation from a downward-API file with Go-quoted values', () => {
    const quoted = JSON.stringify(JSON.stringify(status));
    const file = `kubernetes.io/config.seen="2026-11-23T10:00:00Z"\nk8s.v1.cni.cncf.io/network-status=${quoted}\n`;
    const json = annotationFromDownwardApi(file);
    expect(json).toBeDefined();
    expect(parseNetworkStatus(json ?? '')).toHaveLength(4);
  });

  it('emits one vdev per userspace interface in network order, skipping kernel interfaces', () => {
    const { interfaces, args } = podEalArgs(parseNetworkStatus(JSON.stringify(status)));
    expect(interfaces.map((i) => i.interface)).toEqual(['net1', 'net2', 'net3']);
    expect(args).toEqual([
      '--vdev',
      'net_virtio_user0,path=/var/run/pktbridge/s1/net1.sock',
      '--vdev',
      'net_memif0,role=client,socket-abstract=no,socket=/var/run/pktbridge/s2/net2.sock',
      '-a',
      '0000:3b:02.1',
      '--single-file-segments',
    ]);
    expect(interfaces[0]?.ips).toEqual(['198.18.0.2']);
  });

  it('adds --no-pci when the pod has no PCI device and server=1 for a pod-side vhost server', () => {
    const entries = parseNetworkStatus(
      JSON.stringify([
        {
          name: 'n',
          interface: 'net1',
          'device-info': { type: 'vhost-user', 'vhost-user': { mode: 'server', path: '/s/x.sock' } },
        },
      ]),
    );
    expect(podEalArgs(entries).args).toEqual([
      '--vdev',
      'net_virtio_user0,path=/s/x.sock,server=1',
      '--single-file-segments',
      '--no-pci',
    ]);
  });

  it('rejects a malformed annotation with the field named', () => {
    expect(() => parseNetworkStatus('[{"name": 3}]')).toThrow(/0\.name/);
    expect(() => parseNetworkStatus('not json')).toThrow(/not JSON/);
  });
});
