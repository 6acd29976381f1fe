// Turns a validated netconf + CNI env into the daemon's AttachRequest (what to build, where, for whom).
import type { AttachRequest } from '../attachments/service.js';
import type { ConnectSpec, InterfaceSpec } from '../backends/backend.js';
import type { CniEnv } from './env.js';
import { invalidConfig } from './errors.js';
import type { Netconf } from './netconf.js';
import type { RuntimeConfig } from './runtime-config.js';

/** A device-plugin slot names a directory: one safe path component. */
const SLOT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PCI_ADDRESS = /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

/** What the CNI layer keeps in the attachment record (opaque to backends). */
export interface CniRecordMeta {
  cniVersion: string;
  deviceInfoFile?: string;
  ipamType?: string;
}

function interfaceSpec(netconf: Netconf, runtime: RuntimeConfig): InterfaceSpec {
  const iface = netconf.interface;
  switch (iface.type) {
    case 'memif': {
      const { mtu: _mtu, mac: _mac, ...memif } = iface;
      return memif;
    }
    case 'vhost-user':
      return { type: 'vhost-user', mode: iface.mode, queues: iface.queues };
    case 'pci': {
      const pciAddress = iface.pciAddress ?? runtime.deviceID ?? netconf.pciBusID;
      if (pciAddress === undefined) {
        throw invalidConfig('deviceID', 'missing: a pci interface needs interface.pciAddress or a deviceID');
      }
      if (!PCI_ADDRESS.test(pciAddress)) {
        throw invalidConfig('deviceID', `"${pciAddress}" is not a PCI address`);
      }
      return { type: 'pci', pciAddress };
    }
  }
}

function connectSpec(netconf: Netconf): ConnectSpec {
  if (netconf.xconnect !== undefined) return { kind: 'xconnect', peer: netconf.xconnect };
  // Every attachment of one network joins one bridge named after it unless told otherwise.
  return { kind: 'bridge', bridge: netconf.bridge ?? netconf.name };
}

function slotOf(netconf: Netconf, runtime: RuntimeConfig): string | undefined {
  if (netconf.interface.type === 'pci' || runtime.deviceID === undefined) return undefined;
  if (!SLOT.test(runtime.deviceID)) {
    throw invalidConfig('deviceID', `"${runtime.deviceID}" is not a socket slot name`);
  }
  return runtime.deviceID;
}

function backendConfig(netconf: Netconf): Record<string, unknown> {
  if (netconf.backend === 'vpp') return { ...netconf.vpp };
  if (netconf.backend === 'ovs-dpdk') return { ...netconf.ovs };
  if (netconf.backend === 'sriov-dpdk') return { ...netconf.sriov };
  return {};
}

export function attachRequest(
  netconf: Netconf,
  env: CniEnv,
  runtime: RuntimeConfig,
  meta: CniRecordMeta,
): AttachRequest {
  const { podNamespace, podName, podUid } = env.args;
  return {
    backend: netconf.backend,
    containerId: env.containerId,
    ifname: env.ifname,
    netns: env.netns === '' ? undefined : env.netns,
    network: netconf.name,
    pod:
      podNamespace || podName || podUid ? { namespace: podNamespace, name: podName, uid: podUid } : undefined,
    iface: interfaceSpec(netconf, runtime),
    slot: slotOf(netconf, runtime),
    socketDir: netconf.socket?.dir,
    socketOwnership: {
      uid: netconf.socket?.uid,
      gid: netconf.socket?.gid,
      dirMode: netconf.socket?.mode ?? 0o750,
    },
    mac: runtime.mac ?? netconf.interface.mac,
    mtu: netconf.interface.mtu,
    vlan: netconf.vlan,
    connect: connectSpec(netconf),
    backendConfig: backendConfig(netconf),
    meta: { ...meta },
  };
}
