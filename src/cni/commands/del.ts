// DEL: undo what ADD made. Succeeds with no netns, no prevResult, no record, and when repeated.
import { ipamCallOf, type CniCall, type CommandOutput } from '../call.js';
import { removeDeviceInfo } from '../device-info.js';
import { execIpam } from '../ipam.js';
import type { CniRecordMeta } from '../request.js';
import { readRuntimeConfig } from '../runtime-config.js';

export async function cmdDel(call: CniCall): Promise<CommandOutput> {
  const { env, netconf, service, log } = call;
  const key = { containerId: env.containerId, ifname: env.ifname };
  // Independent, so side by side; host-local and friends release by container ID + ifname and accept a
  // second release. Both run even when one fails, so a retried DEL has less left to do.
  const ipam = ipamCallOf(call);
  const [detached, released] = await Promise.allSettled([
    service.detach(key),
    ipam ? execIpam('DEL', ipam) : Promise.resolve(undefined),
  ]);
  if (detached.status === 'rejected') throw detached.reason;
  if (released.status === 'rejected') throw released.reason;
  const removed = detached.value;
  log.debug({ ...key, found: removed !== undefined }, 'DEL detached');

  const meta = removed?.spec.meta as Partial<CniRecordMeta> | undefined;
  const deviceInfoFile = meta?.deviceInfoFile ?? readRuntimeConfig(netconf).deviceInfoFile;
  if (deviceInfoFile !== undefined) await removeDeviceInfo(deviceInfoFile);
  return undefined;
}
