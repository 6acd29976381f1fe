// Turns a pod's userspace interfaces (from network-status device-info) into DPDK EAL arguments,
// in the order of the pod's networks, so a VNF can start with `dpdk-app $(pktbridge pod-args)`.
import type { NetworkStatusEntry } from './network-status.js';

export interface PodInterface {
  network: string;
  interface?: string;
  type: 'vhost-user' | 'memif' | 'pci';
  /** The EAL arguments for this interface alone. */
  args: string[];
  ips: string[];
  mac?: string;
  socketPath?: string;
  pciAddress?: string;
}

export interface PodEalArgs {
  interfaces: PodInterface[];
  /** All arguments together, plus the global ones the drivers need. */
  args: string[];
}

function memifRole(role: string): 'client' | 'server' {
  return role === 'server' || role === 'master' ? 'server' : 'client';
}

export function podEalArgs(entries: NetworkStatusEntry[]): PodEalArgs {
  const interfaces: PodInterface[] = [];
  let virtio = 0;
  let memif = 0;
  for (const entry of entries) {
    const info = entry['device-info'];
    if (!info) continue;
    const common = { network: entry.name, interface: entry.interface, ips: entry.ips ?? [], mac: entry.mac };
    if (info.type === 'vhost-user' && info['vhost-user']) {
      const { mode, path } = info['vhost-user'];
      const vdev = `net_virtio_user${virtio++},path=${path}${mode === 'server' ? ',server=1' : ''}`;
      interfaces.push({ ...common, type: 'vhost-user', socketPath: path, args: ['--vdev', vdev] });
    } else if (info.type === 'memif' && info.memif) {
      const { role, path } = info.memif;
      const abstract = path.startsWith('@');
      const socket = abstract ? path.slice(1) : path;
      const vdev = `net_memif${memif++},role=${memifRole(role)},socket-abstract=${abstract ? 'yes' : 'no'},socket=${socket}`;
      interfaces.push({ ...common, type: 'memif', socketPath: path, args: ['--vdev', vdev] });
    } else if (info.type === 'pci' && info.pci) {
      const address = info.pci['pci-address'];
      interfaces.push({ ...common, type: 'pci', pciAddress: address, args: ['-a', address] });
    }
  }
  const args = interfaces.flatMap((i) => i.args);
  // virtio-user passes no packets with hugepages unless memory is in single-file segments.
  if (virtio > 0) args.push('--single-file-segments');
  // Without an SR-IOV device the app must not probe the node's PCI bus.
  if (!interfaces.some((i) => i.type === 'pci')) args.push('--no-pci');
  return { interfaces, args };
}
