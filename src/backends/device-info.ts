// Device Info Spec 1.1.0 from the pod's side, shared by the backends whose host side takes a fixed
// role: the pod's app takes the role opposite to the host's.
import type { DeviceInfo, InterfaceSpec } from './backend.js';

export function podDeviceInfo(iface: InterfaceSpec, socketPath: string | undefined): DeviceInfo {
  if (iface.type === 'pci')
    return { type: 'pci', version: '1.1.0', pci: { 'pci-address': iface.pciAddress } };
  const path = socketPath ?? '';
  if (iface.type === 'vhost-user') {
    return {
      type: 'vhost-user',
      version: '1.1.0',
      'vhost-user': { mode: iface.mode === 'server' ? 'client' : 'server', path },
    };
  }
  const mode = iface.mode === 'punt-inject' ? 'inject-punt' : iface.mode;
  return {
    type: 'memif',
    version: '1.1.0',
    memif: { role: iface.role === 'server' ? 'client' : 'server', mode, path },
  };
}
