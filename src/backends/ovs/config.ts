// The OVS-DPDK backend's settings: factory defaults, and the per-network `ovs` section of a netconf
// (spec.backendConfig) validated with zod.
import { z } from 'zod';
import { PktbridgeError } from '../../errors.js';
import type { AttachSpec } from '../backend.js';

/** OVS's own default database socket (Debian packages). */
export const DEFAULT_OVSDB = 'unix:/var/run/openvswitch/db.sock';
export const DEFAULT_BRIDGE = 'br-dpdk';

const bridgeName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,15}$/, 'a bridge name of 1-15 letters, digits, "_", "." or "-"');
const vlanId = z.number().int().min(0).max(4095);

export const ovsNetworkConfigSchema = z
  .object({
    db: z
      .string()
      .regex(/^(unix:.+|tcp:.+:\d+)$/, 'unix:PATH or tcp:HOST:PORT')
      .optional(),
    bridge: bridgeName.optional(),
    /** Create the bridge (datapath_type=netdev) when it does not exist. */
    createBridge: z.boolean().optional(),
    /** dpdkvhostuserclient: OVS connects to a socket the pod's app serves (survives an OVS restart). */
    portType: z.enum(['dpdkvhostuserclient', 'dpdkvhostuser']).optional(),
    /** OVS's vhost-sock-dir, where dpdkvhostuser (server mode) sockets appear. */
    vhostSockDir: z.string().startsWith('/').optional(),
    /** Access VLAN (Port.tag). spec.vlan is used when this is absent. */
    tag: vlanId.optional(),
    /** Trunk VLANs (Port.trunks). */
    trunks: z.array(vlanId).max(4096).optional(),
    /** Receive queues of the port (Interface options:n_rxq). */
    nRxq: z.number().int().min(1).max(64).optional(),
    /** How long to wait for ovs-vswitchd to assign an ofport. */
    attachTimeoutMs: z.number().int().min(100).max(120_000).optional(),
  })
  .strict();

export type OvsNetworkConfig = z.infer<typeof ovsNetworkConfigSchema>;

export interface OvsDefaults {
  db: string;
  bridge: string;
  createBridge: boolean;
  vhostSockDir: string;
  attachTimeoutMs: number;
}

export type ResolvedOvsConfig = Omit<OvsNetworkConfig, keyof OvsDefaults> &
  OvsDefaults & { portType: 'dpdkvhostuserclient' | 'dpdkvhostuser' };

/**
 * Validates a network's `ovs` section and fills defaults; errors name the offending field. The
 * attachment's own fields matter too: its queue count is the default `n_rxq`, and a cross-connect
 * cannot be honoured (the port joins an OVS bridge; `connect.bridge` defaults to the network name,
 * so only `ovs.bridge` picks the OVS bridge).
 */
export function resolveOvsConfig(
  backendConfig: Record<string, unknown>,
  defaults: OvsDefaults,
  spec?: Pick<AttachSpec, 'connect' | 'iface'>,
): ResolvedOvsConfig {
  if (spec?.connect.kind === 'xconnect') {
    throw new PktbridgeError(
      'INVALID_ARGUMENT',
      'xconnect: the ovs-dpdk backend attaches ports to a bridge',
      {
        field: 'xconnect',
      },
    );
  }
  const queues = spec?.iface.type === 'vhost-user' && spec.iface.queues > 1 ? spec.iface.queues : undefined;
  const parsed = ovsNetworkConfigSchema.safeParse(backendConfig);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = `ovs.${issue?.path.join('.') ?? ''}`;
    throw new PktbridgeError('INVALID_ARGUMENT', `${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  const c = parsed.data;
  return {
    ...c,
    db: c.db ?? defaults.db,
    bridge: c.bridge ?? defaults.bridge,
    createBridge: c.createBridge ?? defaults.createBridge,
    vhostSockDir: c.vhostSockDir ?? defaults.vhostSockDir,
    attachTimeoutMs: c.attachTimeoutMs ?? defaults.attachTimeoutMs,
    portType: c.portType ?? 'dpdkvhostuserclient',
    ...((c.nRxq ?? queues) !== undefined ? { nRxq: c.nRxq ?? queues } : {}),
  };
}
