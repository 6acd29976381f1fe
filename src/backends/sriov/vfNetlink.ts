// The VF configuration layer: read a VF's settings and change them through its PF. The real
// implementation runs iproute2 (`ip -d -j link show PF`, `ip link set PF vf N ...`); tests inject a fake.
import { execFile } from 'node:child_process';
import { PktbridgeError } from '../../errors.js';
import type { VfSettings, VfSnapshot } from './vfSettings.js';

export interface VfNetlink {
  /** The VF's current settings as the PF reports them. */
  getVf(pfIfname: string, vfIndex: number): Promise<VfSnapshot>;
  /** Applies `settings` (only the fields present) to VF `vfIndex` of `pfIfname`. */
  setVf(pfIfname: string, vfIndex: number, settings: VfSettings): Promise<void>;
}

/** The arguments of one `ip link set dev PF vf N ...` applying `settings`. */
export function ipLinkSetArgs(pfIfname: string, vfIndex: number, settings: VfSettings): string[] {
  const args = ['link', 'set', 'dev', pfIfname, 'vf', String(vfIndex)];
  if (settings.mac !== undefined) args.push('mac', settings.mac);
  if (settings.vlan !== undefined) {
    args.push('vlan', String(settings.vlan));
    // qos and proto are only meaningful (and only accepted by some drivers) with a VLAN set.
    if (settings.vlan > 0)
      args.push('qos', String(settings.qos ?? 0), 'proto', settings.vlanProto ?? '802.1Q');
  }
  if (settings.minTxRate !== undefined) args.push('min_tx_rate', String(settings.minTxRate));
  if (settings.maxTxRate !== undefined) args.push('max_tx_rate', String(settings.maxTxRate));
  if (settings.spoofchk !== undefined) args.push('spoofchk', settings.spoofchk ? 'on' : 'off');
  if (settings.trust !== undefined) args.push('trust', settings.trust ? 'on' : 'off');
  if (settings.linkState !== undefined) args.push('state', settings.linkState);
  return args;
}

interface IpVfInfo {
  vf?: number;
  address?: string;
  mac?: string;
  vlan_list?: { vlan?: number; qos?: number; protocol?: string }[];
  vlan?: number;
  qos?: number;
  rate?: { max_tx?: number; min_tx?: number };
  tx_rate?: number;
  spoofchk?: boolean;
  trust?: boolean;
  link_state?: string;
}

/** Extracts VF `vfIndex` from `ip -d -j link show PF` output (iproute2 omits zero VLAN/QoS/802.1Q). */
export function parseVfSnapshot(ipJson: string, pfIfname: string, vfIndex: number): VfSnapshot {
  let links: { vfinfo_list?: IpVfInfo[] }[];
  try {
    links = JSON.parse(ipJson) as typeof links;
  } catch (err) {
    throw new PktbridgeError(
      'INTERNAL',
      `cannot parse "ip -d -j link show ${pfIfname}": ${(err as Error).message}`,
    );
  }
  const info = links[0]?.vfinfo_list?.find((vf) => vf.vf === vfIndex);
  if (!info) throw new PktbridgeError('NOT_FOUND', `PF ${pfIfname} reports no VF ${vfIndex}`);
  const vlan = info.vlan_list?.[0] ?? { vlan: info.vlan, qos: info.qos };
  const linkState = info.link_state;
  return {
    mac: (info.address ?? info.mac ?? '00:00:00:00:00:00').toLowerCase(),
    vlan: vlan.vlan ?? 0,
    qos: vlan.qos ?? 0,
    vlanProto: 'protocol' in vlan && vlan.protocol === '802.1ad' ? '802.1ad' : '802.1Q',
    minTxRate: info.rate?.min_tx ?? 0,
    maxTxRate: info.rate?.max_tx ?? info.tx_rate ?? 0,
    ...(info.spoofchk !== undefined ? { spoofchk: info.spoofchk } : {}),
    ...(info.trust !== undefined ? { trust: info.trust } : {}),
    ...(linkState === 'auto' || linkState === 'enable' || linkState === 'disable' ? { linkState } : {}),
  };
}

function runIp(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const text = stderr.trim() || err.message;
        reject(
          new PktbridgeError('FAILED_PRECONDITION', `ip ${args.join(' ')} failed: ${text}`, { stderr: text }),
        );
      } else {
        resolve(stdout);
      }
    });
  });
}

/** The real VF layer: iproute2 through the PF's netdev. */
export function createIpCommandNetlink(timeoutMs = 10_000): VfNetlink {
  return {
    async getVf(pfIfname, vfIndex) {
      return parseVfSnapshot(
        await runIp(['-d', '-j', 'link', 'show', 'dev', pfIfname], timeoutMs),
        pfIfname,
        vfIndex,
      );
    },
    async setVf(pfIfname, vfIndex, settings) {
      if (Object.keys(settings).length === 0) return;
      await runIp(ipLinkSetArgs(pfIfname, vfIndex, settings), timeoutMs);
    },
  };
}
