// ADD results in the version the config asks for: the pod-side interface, and the IPAM plugin's IPs,
// routes and DNS (returned, not configured: the interface lives in userspace).
import { z } from 'zod';
import type { AttachmentRecord } from '../backends/backend.js';
import { CniCode, CniError } from './errors.js';
import { atLeast, type CniVersion } from './version.js';

/** An IPAM result in any version we speak (0.3.x/0.4.0 IPs carry "version", 1.x ones do not). */
const ipamResultSchema = z.object({
  ips: z
    .array(
      z.object({
        address: z.string(),
        gateway: z.string().optional(),
        version: z.string().optional(),
      }),
    )
    .default([]),
  routes: z.array(z.looseObject({ dst: z.string() })).optional(),
  dns: z.looseObject({}).optional(),
});

export type IpamResult = z.output<typeof ipamResultSchema>;

export function parseIpamResult(json: unknown): IpamResult {
  const parsed = ipamResultSchema.safeParse(json);
  if (!parsed.success) {
    throw new CniError(
      CniCode.DECODE_FAILURE,
      `IPAM result is malformed: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

export interface ResultInput {
  version: CniVersion;
  ifname: string;
  netns: string;
  record: AttachmentRecord;
  ipam?: IpamResult;
}

function resultInterface({ version, ifname, netns, record }: ResultInput): Record<string, unknown> {
  const mac = record.spec.mac ?? record.result.mac;
  const iface: Record<string, unknown> = { name: ifname, ...(mac ? { mac } : {}), sandbox: netns };
  if (!atLeast(version, '1.1.0')) return iface;
  // mtu, socketPath and pciID are interface fields from spec 1.1.0 on.
  const mtu = record.spec.mtu ?? record.result.mtu;
  return {
    ...iface,
    ...(mtu ? { mtu } : {}),
    ...(record.result.socketPath ? { socketPath: record.result.socketPath } : {}),
    ...(record.result.pciId ? { pciID: record.result.pciId } : {}),
  };
}

function resultIps(version: CniVersion, ipam: IpamResult): Record<string, unknown>[] {
  const withVersion = !atLeast(version, '1.0.0');
  return ipam.ips.map(({ address, gateway }) => ({
    ...(withVersion ? { version: address.includes(':') ? '6' : '4' } : {}),
    address,
    ...(gateway ? { gateway } : {}),
    // Index into `interfaces`: the one pod-side interface.
    interface: 0,
  }));
}

export function buildAddResult(input: ResultInput): Record<string, unknown> {
  const { version, ipam } = input;
  const result: Record<string, unknown> = { cniVersion: version, interfaces: [resultInterface(input)] };
  if (ipam && ipam.ips.length > 0) result.ips = resultIps(version, ipam);
  if (ipam?.routes && ipam.routes.length > 0) result.routes = ipam.routes;
  result.dns = ipam?.dns ?? {};
  return result;
}
