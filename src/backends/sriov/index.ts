// Public face of the SR-IOV-DPDK backend: the factory the daemon registers.
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import type { Backend } from '../backend.js';
import { SriovBackend } from './sriovBackend.js';
import { PciSysfs } from './sysfs.js';
import { VfAllocations } from './vfAllocations.js';
import { VfLocks } from './vfLock.js';
import { createIpCommandNetlink, type VfNetlink } from './vfNetlink.js';

export {
  sriovNetworkConfigSchema,
  type SriovNetworkConfig,
  type VfSettings,
  type VfSnapshot,
} from './vfSettings.js';
export { createIpCommandNetlink, type VfNetlink } from './vfNetlink.js';
export { USERSPACE_DRIVERS } from './sysfs.js';

export interface SriovBackendOptions {
  /** Root of sysfs (default: $SYSFS_ROOT or /sys). */
  sysfsRoot?: string;
  /** VF configuration layer (default: iproute2 through the PF). */
  netlink?: VfNetlink;
  log: Logger;
  /** Where VF allocations (the DEL cache) and lock files live (default /var/lib/pktbridge/sriov). */
  stateDir?: string;
  lockTimeoutMs?: number;
  /** Whether a recorded netns still exists (default: its path exists). */
  netnsAlive?: (netns: string) => boolean;
}

export function createSriovBackend(options: SriovBackendOptions): Backend {
  const stateDir = options.stateDir ?? '/var/lib/pktbridge/sriov';
  return new SriovBackend({
    sysfs: new PciSysfs(options.sysfsRoot ?? process.env.SYSFS_ROOT ?? '/sys'),
    netlink: options.netlink ?? createIpCommandNetlink(),
    allocations: new VfAllocations(join(stateDir, 'allocations')),
    locks: new VfLocks(join(stateDir, 'locks'), options.lockTimeoutMs),
    log: options.log,
    ...(options.netnsAlive ? { netnsAlive: options.netnsAlive } : {}),
  });
}
