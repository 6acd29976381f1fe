// ADD: attach, delegate IPAM, write the device-info file, answer in the config's version. Every
// resource is registered for undo right where it is made, so a failed ADD leaves nothing behind.
import { withRollback } from '../../backends/backend.js';
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
  const onUndoFailure = ({ what, error }: { what: string; error: unknown }): void =>
    log.error({ what, err: error, ...key }, 'ADD rollback step failed');

  return withRollback(async (rollback) => {
    // ALREADY_EXISTS comes from here, before anything of ours exists to roll back.
    const record = await service.attach(request);
    rollback.add('attachment', async () => void (await service.detach(key)));

    const ipam = ipamCallOf(call);
    const ipamResult = ipam ? await execIpam('ADD', ipam) : undefined;
    if (ipam) rollback.add('IPAM lease', async () => void (await execIpam('DEL', ipam)));

    if (runtime.deviceInfoFile !== undefined) {
      const file = runtime.deviceInfoFile;
      await writeDeviceInfo(file, record.result.deviceInfo);
      rollback.add('device-info file', () => removeDeviceInfo(file));
    }
    return buildAddResult({ version, ifname: env.ifname, netns: env.netns, record, ipam: ipamResult });
  }, onUndoFailure);
}
