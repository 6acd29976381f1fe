// CHECK: the attachment exists and is as recorded (the backend checks), it belongs to this network,
// prevResult (when the runtime has one) names it, and the IPAM plugin agrees.
import { ipamCallOf, type CniCall, type CommandOutput } from '../call.js';
import { CniCode, CniError, invalidConfig } from '../errors.js';
import { execIpam } from '../ipam.js';

function checkPrevResult(prevResult: Record<string, unknown>, ifname: string, netns: string): void {
  const interfaces = Array.isArray(prevResult.interfaces) ? (prevResult.interfaces as unknown[]) : [];
  const ours = interfaces.find(
    (iface) => typeof iface === 'object' && iface !== null && (iface as { name?: unknown }).name === ifname,
  ) as { sandbox?: unknown } | undefined;
  if (!ours) throw invalidConfig('prevResult.interfaces', `no interface named "${ifname}"`);
  if (ours.sandbox !== undefined && ours.sandbox !== netns) {
    throw invalidConfig(
      'prevResult.interfaces',
      `"${ifname}" has sandbox ${String(ours.sandbox)}, not ${netns}`,
    );
  }
}

export async function cmdCheck(call: CniCall): Promise<CommandOutput> {
  const { env, netconf, service } = call;
  const record = await service.check({ containerId: env.containerId, ifname: env.ifname });
  if (record.spec.network !== netconf.name) {
    throw new CniError(
      CniCode.NOT_FOUND,
      `${env.ifname} of ${env.containerId} belongs to network "${record.spec.network}", not "${netconf.name}"`,
    );
  }
  if (netconf.prevResult) checkPrevResult(netconf.prevResult, env.ifname, env.netns);
  const ipam = ipamCallOf(call);
  if (ipam) await execIpam('CHECK', ipam);
  return undefined;
}
