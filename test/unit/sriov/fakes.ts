// Test doubles for the SR-IOV backend: a fake sysfs tree (PF with VFs, drivers, sriov_numvfs) under a
// temp SYSFS_ROOT, and a fake VF layer that keeps per-VF state and records every change applied.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PktbridgeError } from '../../../src/errors.js';
import type { VfNetlink } from '../../../src/backends/sriov/vfNetlink.js';
import type { VfSettings, VfSnapshot } from '../../../src/backends/sriov/vfSettings.js';

export const PF = '0000:3b:00.0';
export const PF_IFNAME = 'ens1f0';
export const vfPci = (index: number): string => `0000:3b:02.${index}`;

export interface FakeSysfs {
  root: string;
  /** Rebinds a device (undefined = no driver). */
  bind(pci: string, driver: string | undefined): void;
  cleanup(): void;
}

/** A PF with `numVfs` VFs, every VF on vfio-pci unless `drivers` says otherwise. */
export function makeFakeSysfs(numVfs = 4, drivers: Record<string, string | undefined> = {}): FakeSysfs {
  const root = mkdtempSync(join(tmpdir(), 'pbsysfs-'));
  const devices = join(root, 'bus/pci/devices');
  const driverDir = (name: string): string => join(root, 'bus/pci/drivers', name);
  mkdirSync(devices, { recursive: true });
  const bind = (pci: string, driver: string | undefined): void => {
    rmSync(join(devices, pci, 'driver'), { force: true });
    if (driver === undefined) return;
    mkdirSync(driverDir(driver), { recursive: true });
    symlinkSync(`../../../bus/pci/drivers/${driver}`, join(devices, pci, 'driver'));
  };
  mkdirSync(join(devices, PF, 'net', PF_IFNAME), { recursive: true });
  writeFileSync(join(devices, PF, 'sriov_numvfs'), `${numVfs}\n`);
  writeFileSync(join(devices, PF, 'sriov_totalvfs'), '64\n');
  bind(PF, 'ice');
  for (let i = 0; i < numVfs; i++) {
    const vf = vfPci(i);
    mkdirSync(join(devices, vf), { recursive: true });
    symlinkSync(`../${PF}`, join(devices, vf, 'physfn'));
    symlinkSync(`../${vf}`, join(devices, PF, `virtfn${i}`));
    bind(vf, vf in drivers ? drivers[vf] : 'vfio-pci');
  }
  return { root, bind, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export const FACTORY_VF: VfSnapshot = {
  mac: '00:00:00:00:00:00',
  vlan: 0,
  qos: 0,
  vlanProto: '802.1Q',
  minTxRate: 0,
  maxTxRate: 0,
  spoofchk: true,
  trust: false,
  linkState: 'auto',
};

/** Keeps each VF's settings; `applied` lists every setVf call in order. `failNextSet` makes one call fail. */
export class FakeVfNetlink implements VfNetlink {
  readonly state = new Map<string, VfSnapshot>();
  readonly applied: { pf: string; vf: number; settings: VfSettings }[] = [];
  failNextSet: string | undefined;

  vf(pf: string, vf: number): VfSnapshot {
    return this.state.get(`${pf}/${vf}`) ?? { ...FACTORY_VF };
  }

  async getVf(pf: string, vf: number): Promise<VfSnapshot> {
    return { ...this.vf(pf, vf) };
  }

  async setVf(pf: string, vf: number, settings: VfSettings): Promise<void> {
    if (this.failNextSet !== undefined) {
      const message = this.failNextSet;
      this.failNextSet = undefined;
      throw new PktbridgeError('FAILED_PRECONDITION', message);
    }
    // A VF change through the PF takes a moment on real hardware: lets racing callers interleave.
    await new Promise((r) => setTimeout(r, 5));
    this.applied.push({ pf, vf, settings: { ...settings } });
    const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
    this.state.set(`${pf}/${vf}`, { ...this.vf(pf, vf), ...defined });
  }
}
