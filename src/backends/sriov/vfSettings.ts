// A VF's administrative settings as the PF exposes them (`ip link set PF vf N ...`), the per-network
// `sriov` section that asks for them, and the subset to restore on DEL.
import { z } from 'zod';
import { PktbridgeError } from '../../errors.js';

export type VlanProto = '802.1Q' | '802.1ad';
export type VfLinkState = 'auto' | 'enable' | 'disable';

export interface VfSettings {
  mac?: string;
  vlan?: number;
  qos?: number;
  vlanProto?: VlanProto;
  spoofchk?: boolean;
  trust?: boolean;
  linkState?: VfLinkState;
  minTxRate?: number;
  maxTxRate?: number;
}

/** Everything readable about a VF: the snapshot taken before changing it. */
export type VfSnapshot = Required<
  Pick<VfSettings, 'mac' | 'vlan' | 'qos' | 'vlanProto' | 'minTxRate' | 'maxTxRate'>
> &
  Pick<VfSettings, 'spoofchk' | 'trust' | 'linkState'>;

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export const sriovNetworkConfigSchema = z
  .object({
    mac: z.string().regex(MAC, 'a MAC address like 02:00:00:00:00:01').optional(),
    vlan: z.number().int().min(0).max(4095).optional(),
    vlanQoS: z.number().int().min(0).max(7).optional(),
    vlanProto: z.enum(['802.1Q', '802.1ad']).optional(),
    spoofchk: z.enum(['on', 'off']).optional(),
    trust: z.enum(['on', 'off']).optional(),
    linkState: z.enum(['auto', 'enable', 'disable']).optional(),
    minTxRate: z.number().int().min(0).optional(),
    maxTxRate: z.number().int().min(0).optional(),
  })
  .strict()
  .refine(
    (c) =>
      c.minTxRate === undefined ||
      c.maxTxRate === undefined ||
      c.maxTxRate === 0 ||
      c.minTxRate <= c.maxTxRate,
    {
      message: 'minTxRate must not exceed maxTxRate',
      path: ['minTxRate'],
    },
  )
  .refine((c) => (c.vlanQoS === undefined && c.vlanProto === undefined) || (c.vlan ?? 0) > 0, {
    message: 'vlanQoS and vlanProto need a non-zero vlan',
    path: ['vlan'],
  });

export type SriovNetworkConfig = z.infer<typeof sriovNetworkConfigSchema>;

/** Desired VF settings from the network's `sriov` section plus the attachment's MAC and VLAN. */
export function desiredSettings(
  backendConfig: Record<string, unknown>,
  spec: { mac?: string; vlan?: number },
): VfSettings {
  const parsed = sriovNetworkConfigSchema.safeParse(backendConfig);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = `sriov.${issue?.path.join('.') ?? ''}`;
    throw new PktbridgeError('INVALID_ARGUMENT', `${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  const c = parsed.data;
  const mac = spec.mac ?? c.mac;
  const vlan = c.vlan ?? spec.vlan;
  const settings: VfSettings = {};
  if (mac !== undefined) settings.mac = mac.toLowerCase();
  if (vlan !== undefined) {
    settings.vlan = vlan;
    settings.qos = c.vlanQoS ?? 0;
    settings.vlanProto = c.vlanProto ?? '802.1Q';
  }
  if (c.spoofchk !== undefined) settings.spoofchk = c.spoofchk === 'on';
  if (c.trust !== undefined) settings.trust = c.trust === 'on';
  if (c.linkState !== undefined) settings.linkState = c.linkState;
  if (c.minTxRate !== undefined) settings.minTxRate = c.minTxRate;
  if (c.maxTxRate !== undefined) settings.maxTxRate = c.maxTxRate;
  return settings;
}

/** The original values of exactly the settings an attach changes (nothing else is touched on DEL). */
export function restoreSettings(snapshot: VfSnapshot, changed: VfSettings): VfSettings {
  const restore: VfSettings = {};
  if (changed.mac !== undefined) restore.mac = snapshot.mac;
  if (changed.vlan !== undefined) {
    restore.vlan = snapshot.vlan;
    restore.qos = snapshot.qos;
    restore.vlanProto = snapshot.vlanProto;
  }
  if (changed.spoofchk !== undefined && snapshot.spoofchk !== undefined) restore.spoofchk = snapshot.spoofchk;
  if (changed.trust !== undefined && snapshot.trust !== undefined) restore.trust = snapshot.trust;
  if (changed.linkState !== undefined && snapshot.linkState !== undefined)
    restore.linkState = snapshot.linkState;
  if (changed.minTxRate !== undefined || changed.maxTxRate !== undefined) {
    restore.minTxRate = snapshot.minTxRate;
    restore.maxTxRate = snapshot.maxTxRate;
  }
  return restore;
}

/** Settings in `wanted` that `actual` does not match (for CHECK). */
export function mismatches(wanted: VfSettings, actual: VfSnapshot): string[] {
  return (Object.keys(wanted) as (keyof VfSettings)[]).filter((key) => {
    const value = wanted[key];
    return value !== undefined && String(actual[key]).toLowerCase() !== String(value).toLowerCase();
  });
}
