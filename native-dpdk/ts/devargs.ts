// Translates a validated PortSpec into what the addon's addPort takes: the DPDK device name, the
// devargs for rte_dev_probe, queue counts, and for memif the relay's sockets.
import { join } from 'node:path';
import type { PortSpecInput } from './schemas.js';

export interface NativeRelay {
  pmdIsServer: boolean;
  podSocket: string;
  podAbstract: boolean;
  netnsPath: string;
  pmdSocket: string;
}

export interface NativePortRequest {
  name: string;
  kind: PortSpecInput['kind'];
  bus: 'vdev' | 'pci';
  devName: string;
  devargs: string;
  rxQueues: number;
  socketPath?: string;
  relay?: NativeRelay;
}

/** Expands a short PCI address to the domain:bus:device.function form DPDK names ports with. */
export function normalizePciAddress(address: string): string {
  const full = address.length === 7 ? `0000:${address}` : address;
  return full.toLowerCase();
}

/**
 * `workers` is the number of worker lcores: every port gets one tx queue per worker, and PMDs whose
 * queue pairs are symmetric (vhost, af_packet) are created with enough pairs for that.
 */
export function nativePortRequest(
  spec: PortSpecInput,
  workers: number,
  runtimeDir: string,
  memifRelay = true,
): NativePortRequest {
  const base = { name: spec.name, kind: spec.kind, bus: 'vdev' as const, rxQueues: 1 };
  switch (spec.kind) {
    case 'vhost-user': {
      const devName = `net_vhost_${spec.name}`;
      const rxQueues = spec.queues ?? 1;
      const pairs = Math.max(rxQueues, workers);
      const client = spec.mode === 'client' ? ',client=1' : '';
      return {
        ...base,
        devName,
        rxQueues,
        socketPath: spec.socketPath,
        devargs: `${devName},iface=${spec.socketPath},queues=${pairs}${client}`,
      };
    }
    case 'memif': {
      const devName = `net_memif_${spec.name}`;
      if (!memifRelay) return directMemifRequest(spec, devName);
      // The PMD only ever sees the relay's private filesystem socket; the pod sees the relay.
      const pmdSocket = join(runtimeDir, `${spec.name}.sock`);
      const args = [
        devName,
        `role=${spec.role}`,
        `id=${spec.id ?? 0}`,
        `socket=${pmdSocket}`,
        'socket-abstract=no',
      ];
      if (spec.ringSize) args.push(`rsize=${Math.log2(spec.ringSize)}`);
      if (spec.bufferSize) args.push(`bsize=${spec.bufferSize}`);
      if (spec.secret) args.push(`secret=${spec.secret}`);
      if (spec.mode) args.push(`mode=${spec.mode}`);
      return {
        ...base,
        devName,
        socketPath: spec.socketPath,
        devargs: args.join(','),
        relay: {
          pmdIsServer: spec.role === 'server',
          podSocket: spec.socketPath,
          podAbstract: spec.abstract ?? false,
          netnsPath: spec.netns ?? '',
          pmdSocket,
        },
      };
    }
    case 'af_packet': {
      const devName = `net_af_packet_${spec.name}`;
      const rxQueues = spec.queues ?? 1;
      const pairs = Math.max(rxQueues, workers);
      return { ...base, devName, rxQueues, devargs: `${devName},iface=${spec.iface},qpairs=${pairs}` };
    }
    case 'af_xdp': {
      const devName = `net_af_xdp_${spec.name}`;
      return { ...base, devName, devargs: `${devName},iface=${spec.iface}` };
    }
    case 'tap': {
      const devName = `net_tap_${spec.name}`;
      return { ...base, devName, devargs: `${devName},iface=${spec.iface ?? spec.name.slice(0, 15)}` };
    }
    case 'pci': {
      const devName = normalizePciAddress(spec.pciAddress);
      return { ...base, bus: 'pci', devName, rxQueues: spec.queues ?? 1, devargs: devName };
    }
    case 'null':
    case 'ring': {
      const devName = `net_${spec.kind}_${spec.name}`;
      return { ...base, devName, devargs: devName };
    }
  }
}

/** memif without the relay: the PMD binds the pod-facing socket itself (see EngineOptions.memifRelay). */
function directMemifRequest(
  spec: Extract<PortSpecInput, { kind: 'memif' }>,
  devName: string,
): NativePortRequest {
  const abstract = spec.abstract ? 'yes' : 'no';
  return {
    name: spec.name,
    kind: 'memif',
    bus: 'vdev',
    rxQueues: 1,
    devName,
    socketPath: spec.socketPath,
    devargs: `${devName},role=${spec.role},id=${spec.id ?? 0},socket=${spec.socketPath},socket-abstract=${abstract}`,
  };
}
