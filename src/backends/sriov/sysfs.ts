// Reads what the kernel says about a PCI function under SYSFS_ROOT (default /sys): its driver, and
// for a VF its PF, VF index and the PF's network interface.
import { readdir, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PktbridgeError } from '../../errors.js';

/** Drivers a DPDK app can drive a VF through without a kernel netdev. */
export const USERSPACE_DRIVERS = ['vfio-pci', 'uio_pci_generic', 'igb_uio'] as const;

const PCI_ADDRESS = /^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;

/** `3b:02.1` → `0000:3b:02.1`, lower-case; INVALID_ARGUMENT otherwise. */
export function normalizePciAddress(address: string): string {
  const lower = address.toLowerCase();
  if (!PCI_ADDRESS.test(lower)) {
    throw new PktbridgeError(
      'INVALID_ARGUMENT',
      `deviceID: "${address}" is not a PCI address like 0000:3b:02.1`,
      {
        field: 'deviceID',
      },
    );
  }
  return lower.length === 7 ? `0000:${lower}` : lower;
}

export interface VfLocation {
  pfPci: string;
  vfIndex: number;
  /** The PF's kernel netdev, through which the VF is configured; undefined if the PF has none. */
  pfIfname?: string;
}

export class PciSysfs {
  constructor(readonly root: string) {}

  private deviceDir(pci: string): string {
    return join(this.root, 'bus/pci/devices', pci);
  }

  async exists(pci: string): Promise<boolean> {
    return stat(this.deviceDir(pci)).then(
      () => true,
      () => false,
    );
  }

  /** The bound driver's name, or undefined when the device has no driver. */
  async driver(pci: string): Promise<string | undefined> {
    const target = await readlink(join(this.deviceDir(pci), 'driver')).catch(() => undefined);
    return target === undefined ? undefined : basename(target);
  }

  /** PF and VF index of a VF; undefined when `pci` is not a VF (no physfn link). */
  async vfLocation(pci: string): Promise<VfLocation | undefined> {
    const physfn = await readlink(join(this.deviceDir(pci), 'physfn')).catch(() => undefined);
    if (physfn === undefined) return undefined;
    const pfPci = basename(physfn);
    const pfDir = this.deviceDir(pfPci);
    const entries = await readdir(pfDir);
    let vfIndex: number | undefined;
    for (const entry of entries) {
      const match = /^virtfn(\d+)$/.exec(entry);
      if (!match) continue;
      if (basename(await readlink(join(pfDir, entry))) === pci) vfIndex = Number(match[1]);
    }
    if (vfIndex === undefined) {
      throw new PktbridgeError(
        'FAILED_PRECONDITION',
        `VF ${pci} is not listed among the virtfn links of its PF ${pfPci}`,
      );
    }
    const netdevs = await readdir(join(pfDir, 'net')).catch(() => [] as string[]);
    return { pfPci, vfIndex, ...(netdevs[0] !== undefined ? { pfIfname: netdevs[0] } : {}) };
  }

  /** True when the sysfs PCI tree is readable at all (status check). */
  async readable(): Promise<boolean> {
    return stat(join(this.root, 'bus/pci/devices')).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }
}
