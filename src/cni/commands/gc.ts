// GC (spec 1.1.0): detach this network's attachments that `cni.dev/valid-attachments` does not list,
// remove their device-info files, and let the IPAM plugin collect its own leases.
import { ipamCallOf, type CniCall, type CommandOutput } from '../call.js';
import { removeDeviceInfo } from '../device-info.js';
import { execIpam } from '../ipam.js';
import type { CniRecordMeta } from '../request.js';

export async function cmdGc(call: CniCall): Promise<CommandOutput> {
  const { netconf, service, log } = call;
  const valid = (netconf['cni.dev/valid-attachments'] ?? []).map(({ containerID, ifname }) => ({
    containerId: containerID,
    ifname,
  }));
  const removed = await service.gc(valid, netconf.name);
  for (const record of removed) {
    const meta = record.spec.meta as Partial<CniRecordMeta> | undefined;
    if (meta?.deviceInfoFile !== undefined) await removeDeviceInfo(meta.deviceInfoFile);
  }
  log.info({ network: netconf.name, kept: valid.length, removed: removed.length }, 'GC done');
  const ipam = ipamCallOf(call);
  if (ipam) await execIpam('GC', ipam);
  return undefined;
}
