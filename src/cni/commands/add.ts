// ADD: attach and delegate IPAM (side by side: they are independent), write the device-info file,
// answer in the config's version. Every resource is registered for undo right where it is made, so a
// failed ADD leaves nothing behind.
import { withRollback } from '../../backends/backend.js';
import { PktbridgeError } from '../../errors.js';
import { ipamCallOf, type CniCall, type CommandOutput } from '../call.js';
import { removeDeviceInfo, writeDeviceInfo } from '../device-info.js';
import { execIpam } from '../ipam.js';
import { attachRequest } from '../request.js';
import { buildAddResult } from '../result.js';
import { readRuntimeConfig } from '../runtime-config.js';

export async function cmdAdd(call: CniCall): Promise<CommandOutput> {
  const { env, netconf, version, service, log } = call;
  const runtime = readRuntimeConfig(netconf);
  const key = { containerId: env.containerId, ifname: env.ifname };
  const request = attachRequest(netconf, env, runtime, {
    cniVersion: version,
    deviceInfoFile: runtime.deviceInfoFile,
    ipamType: netconf.ipam?.type,
  });
  const ipam = ipamCallOf(call);
  const onUndoFailure = ({ what, error }: { what: string; error: unknown }): void =>
    log.error({ what, err: error, ...key }, 'ADD rollback step failed');

  return withRollback(async (rollback) => {
    // Refused before IPAM runs: a rollback's IPAM DEL would release the existing attachment's lease.
    if (service.get(key)) {
      throw new PktbridgeError('ALREADY_EXISTS', `${env.ifname} of ${env.containerId} is already attached`);
    }
    // An ADD then costs the slower of the backend and the IPAM plugin, not their sum.
    const [attached, leased] = await Promise.allSettled([
      service.attach(request),
      ipam ? execIpam('ADD', ipam) : Promise.resolve(undefined),
    ]);
    if (attached.status === 'fulfilled') {
      rollback.add('attachment', async () => void (await service.detach(key)));
    }
    if (ipam && leased.status === 'fulfilled') {
      rollback.add('IPAM lease', async () => void (await execIpam('DEL', ipam)));
    }
    if (attached.status === 'rejected') throw attached.reason;
    if (leased.status === 'rejected') throw leased.reason;
    const record = attached.value;

    if (runtime.deviceInfoFile !== undefined) {
      const file = runtime.deviceInfoFile;
      await writeDeviceInfo(file, record.result.deviceInfo);
      rollback.add('device-info file', () => removeDeviceInfo(file));
    }
    return buildAddResult({ version, ifname: env.ifname, netns: env.netns, record, ipam: leased.value });
  }, onUndoFailure);
}
