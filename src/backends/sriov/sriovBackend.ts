// The SR-IOV-DPDK backend: hands a pod a VF that is already on a userspace driver, configures it
// through its PF, and puts the VF's original settings back on DEL. It never binds drivers.
import { existsSync } from 'node:fs';
import type { Logger } from '../../log.js';
import { PktbridgeError } from '../../errors.js';
import {
  withRollback,
  type AttachmentRecord,
  type AttachmentResult,
  type AttachSpec,
  type Backend,
  type BackendStatus,
  type OwnedObject,
} from '../backend.js';
import { normalizePciAddress, PciSysfs, USERSPACE_DRIVERS, type VfLocation } from './sysfs.js';
import { desiredSettings, mismatches, restoreSettings, type VfSettings } from './vfSettings.js';
import type { VfNetlink } from './vfNetlink.js';
import { vfAllocationSchema, type VfAllocation, type VfAllocations } from './vfAllocations.js';
import type { VfLocks } from './vfLock.js';

export interface SriovBackendDeps {
  sysfs: PciSysfs;
  netlink: VfNetlink;
  allocations: VfAllocations;
  locks: VfLocks;
  log: Logger;
  /** Whether a recorded network namespace still exists (a live pod holds the VF). */
  netnsAlive?: (netns: string) => boolean;
}

export class SriovBackend implements Backend {
  readonly name = 'sriov-dpdk' as const;
  private readonly netnsAlive: (netns: string) => boolean;

  constructor(private readonly deps: SriovBackendDeps) {
    this.netnsAlive = deps.netnsAlive ?? existsSync;
  }

  async attach(spec: AttachSpec): Promise<AttachmentResult> {
    if (spec.iface.type !== 'pci') {
      throw new PktbridgeError(
        'INVALID_ARGUMENT',
        `interface.type: the sriov-dpdk backend takes a pci interface, not ${spec.iface.type}`,
        {
          field: 'interface.type',
        },
      );
    }
    const pci = normalizePciAddress(spec.iface.pciAddress);
    const desired = desiredSettings(spec.backendConfig, spec);
    await this.checkUserspaceDriver(pci);
    const location = await this.deps.sysfs.vfLocation(pci);
    const pfIfname = this.configurablePf(pci, location, desired);

    return this.deps.locks.with(pci, () =>
      withRollback(
        async (rollback) => {
          const previous = await this.deps.allocations.get(pci);
          // Only a holder whose netns is known to be gone is stale; one without a netns is never guessed dead.
          if (
            previous &&
            previous.attachmentId !== spec.id &&
            (previous.netns === undefined || this.netnsAlive(previous.netns))
          ) {
            throw new PktbridgeError(
              'ALREADY_EXISTS',
              `VF ${pci} is allocated to container ${previous.containerId} (netns ${previous.netns ?? 'unknown'}, attachment ${previous.attachmentId})`,
              { pci, owner: previous.attachmentId },
            );
          }
          let restore: VfSettings = {};
          if (pfIfname !== undefined && location) {
            if (previous && previous.attachmentId !== spec.id) {
              // Its pod is gone without a DEL: put the VF back as it was before that pod took it.
              this.deps.log.warn(
                { pci, staleOwner: previous.attachmentId },
                'reclaiming a VF from a dead netns',
              );
              await this.deps.netlink.setVf(pfIfname, location.vfIndex, previous.restore);
            }
            const current = await this.deps.netlink.getVf(pfIfname, location.vfIndex);
            // A retried ADD of the same attachment: the first attempt's saved originals are the true ones.
            const earlier = previous?.attachmentId === spec.id ? previous.restore : {};
            restore = { ...restoreSettings(current, desired), ...earlier };
          }
          const allocation: VfAllocation = {
            pci,
            attachmentId: spec.id,
            containerId: spec.containerId,
            ...(spec.netns ? { netns: spec.netns } : {}),
            ...(pfIfname !== undefined ? { pfIfname } : {}),
            ...(location ? { vfIndex: location.vfIndex } : {}),
            restore,
            applied: desired,
          };
          await this.deps.allocations.put(allocation);
          rollback.add(`allocation of ${pci}`, () => this.deps.allocations.remove(pci));
          if (pfIfname !== undefined && location && Object.keys(desired).length > 0) {
            rollback.add(`settings of VF ${location.vfIndex} on ${pfIfname}`, () =>
              this.deps.netlink.setVf(pfIfname, location.vfIndex, restore),
            );
            await this.deps.netlink.setVf(pfIfname, location.vfIndex, desired);
          }
          this.deps.log.info(
            { attachmentId: spec.id, pci, pf: pfIfname, vf: location?.vfIndex },
            'VF attached',
          );
          return {
            pciId: pci,
            ...(desired.mac !== undefined ? { mac: desired.mac } : {}),
            deviceInfo: { type: 'pci', version: '1.1.0', pci: { 'pci-address': pci } },
            objects: [{ backend: this.name, kind: 'vf', ref: pci, attachmentId: spec.id }],
            restore: { ...allocation },
          };
        },
        (failure) =>
          this.deps.log.error(
            { what: failure.what, err: failure.error },
            'sriov attach rollback step failed',
          ),
      ),
    );
  }

  /** Restores the VF's original settings and frees it; with no cache and no record state it just succeeds. */
  async detach(record: AttachmentRecord): Promise<void> {
    if (record.spec.iface.type !== 'pci') return;
    await this.release(
      normalizePciAddress(record.spec.iface.pciAddress),
      record.spec.id,
      record.result.restore,
    );
  }

  async check(record: AttachmentRecord): Promise<void> {
    if (record.spec.iface.type !== 'pci')
      throw new PktbridgeError('INVALID_ARGUMENT', 'not a pci attachment');
    const pci = normalizePciAddress(record.spec.iface.pciAddress);
    if (!(await this.deps.sysfs.exists(pci)))
      throw new PktbridgeError('NOT_FOUND', `VF ${pci} is gone from sysfs`);
    await this.checkUserspaceDriver(pci);
    const allocation = await this.deps.allocations.get(pci);
    if (allocation?.attachmentId !== record.spec.id) {
      throw new PktbridgeError('NOT_FOUND', `VF ${pci} is not allocated to attachment ${record.spec.id}`);
    }
    if (allocation.pfIfname !== undefined && allocation.vfIndex !== undefined) {
      const actual = await this.deps.netlink.getVf(allocation.pfIfname, allocation.vfIndex);
      const wrong = mismatches(allocation.applied, actual);
      if (wrong.length > 0) {
        throw new PktbridgeError(
          'FAILED_PRECONDITION',
          `VF ${pci} no longer has the configured ${wrong.join(', ')}`,
          { fields: wrong },
        );
      }
    }
  }

  async list(): Promise<OwnedObject[]> {
    return (await this.deps.allocations.list()).map((a) => ({
      backend: this.name,
      kind: 'vf',
      ref: a.pci,
      attachmentId: a.attachmentId,
    }));
  }

  /** Re-applies the recorded settings (a PF reset or reboot drops VF settings). */
  async restore(record: AttachmentRecord): Promise<void> {
    if (record.spec.iface.type !== 'pci') return;
    const pci = normalizePciAddress(record.spec.iface.pciAddress);
    await this.deps.locks.with(pci, async () => {
      const saved = (await this.deps.allocations.get(pci)) ?? this.fromRecord(record.result.restore);
      if (!saved || saved.attachmentId !== record.spec.id) return;
      await this.deps.allocations.put(saved);
      if (saved.pfIfname !== undefined && saved.vfIndex !== undefined) {
        await this.deps.netlink.setVf(saved.pfIfname, saved.vfIndex, saved.applied);
      }
    });
  }

  async removeOrphan(object: OwnedObject): Promise<void> {
    if (object.kind !== 'vf') return;
    const allocation = await this.deps.allocations.get(object.ref);
    if (allocation) await this.release(allocation.pci, allocation.attachmentId, undefined);
  }

  async status(): Promise<BackendStatus> {
    const readable = await this.deps.sysfs.readable();
    return readable
      ? { ready: true, message: `SR-IOV VFs from ${this.deps.sysfs.root}` }
      : { ready: false, message: `no PCI devices under ${this.deps.sysfs.root}/bus/pci/devices` };
  }

  async close(): Promise<void> {}

  private async release(
    pci: string,
    attachmentId: string,
    recordRestore: Record<string, unknown> | undefined,
  ): Promise<void> {
    await this.deps.locks.with(pci, async () => {
      const allocation = await this.deps.allocations.get(pci);
      if (allocation && allocation.attachmentId !== attachmentId) {
        this.deps.log.info(
          { pci, attachmentId, owner: allocation.attachmentId },
          'VF now belongs to another attachment; left as is',
        );
        return;
      }
      const saved = allocation ?? this.fromRecord(recordRestore);
      if (!saved) {
        this.deps.log.info({ pci, attachmentId }, 'no saved VF state (cache gone): nothing to restore');
        return;
      }
      if (
        saved.pfIfname !== undefined &&
        saved.vfIndex !== undefined &&
        (await this.deps.sysfs.exists(pci))
      ) {
        await this.deps.netlink.setVf(saved.pfIfname, saved.vfIndex, saved.restore);
      }
      await this.deps.allocations.remove(pci);
      this.deps.log.info({ pci, attachmentId }, 'VF released and its settings restored');
    });
  }

  private fromRecord(restore: Record<string, unknown> | undefined): VfAllocation | undefined {
    if (!restore) return undefined;
    const parsed = vfAllocationSchema.safeParse(restore);
    return parsed.success ? parsed.data : undefined;
  }

  private async checkUserspaceDriver(pci: string): Promise<void> {
    if (!(await this.deps.sysfs.exists(pci))) {
      throw new PktbridgeError(
        'NOT_FOUND',
        `PCI device ${pci} does not exist (${this.deps.sysfs.root}/bus/pci/devices/${pci})`,
      );
    }
    const driver = await this.deps.sysfs.driver(pci);
    if (!driver || !(USERSPACE_DRIVERS as readonly string[]).includes(driver)) {
      const has = driver ? `is bound to the kernel driver "${driver}"` : 'is not bound to any driver';
      throw new PktbridgeError(
        'FAILED_PRECONDITION',
        `VF ${pci} ${has}; DPDK needs ${USERSPACE_DRIVERS.join(', ')}. ` +
          `Bind it on the node with: hugepage-scripts/vfio.sh bind ${pci}`,
        { pci, driver: driver ?? null },
      );
    }
  }

  /** The PF netdev to configure through, or undefined when nothing needs configuring. */
  private configurablePf(
    pci: string,
    location: VfLocation | undefined,
    desired: VfSettings,
  ): string | undefined {
    if (!location) {
      if (Object.keys(desired).length > 0) {
        throw new PktbridgeError(
          'INVALID_ARGUMENT',
          `sriov: ${pci} is not an SR-IOV VF, so MAC/VLAN/rate settings cannot be applied`,
        );
      }
      return undefined;
    }
    if (location.pfIfname === undefined) {
      if (Object.keys(desired).length > 0) {
        throw new PktbridgeError(
          'FAILED_PRECONDITION',
          `PF ${location.pfPci} of VF ${pci} has no kernel netdev to configure the VF through`,
        );
      }
      return undefined;
    }
    return location.pfIfname;
  }
}
