// STATUS (spec 1.1.0): ready when the config's backend is ready (and the IPAM plugin, when it speaks
// STATUS); otherwise error 50 saying why.
import { ipamCallOf, type CniCall, type CommandOutput } from '../call.js';
import { CniCode, CniError } from '../errors.js';
import { execIpam } from '../ipam.js';

export async function cmdStatus(call: CniCall): Promise<CommandOutput> {
  const { netconf, service } = call;
  const statuses = await service.status();
  const backend = statuses[netconf.backend];
  if (!backend) {
    throw new CniError(CniCode.NOT_AVAILABLE, `backend ${netconf.backend} is not enabled in the daemon`);
  }
  if (!backend.ready) {
    throw new CniError(CniCode.NOT_AVAILABLE, `backend ${netconf.backend} is not ready: ${backend.message}`);
  }
  const ipam = ipamCallOf(call);
  if (ipam) await execIpam('STATUS', ipam);
  return undefined;
}
