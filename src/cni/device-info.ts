// Device Info Spec 1.1.0 files (the pod's view of its interface), written atomically where Multus
// asks (CNIDeviceInfoFile) and removed on DEL.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeviceInfo } from '../backends/backend.js';
import { CniCode, CniError } from './errors.js';

export async function writeDeviceInfo(file: string, info: DeviceInfo): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(temp, `${JSON.stringify(info)}\n`, { mode: 0o644 });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new CniError(CniCode.IO_FAILURE, `cannot write the device-info file ${file}: ${String(err)}`);
  }
}

/** Idempotent: a missing file is fine. */
export async function removeDeviceInfo(file: string): Promise<void> {
  await rm(file, { force: true });
}
