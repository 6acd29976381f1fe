// L2 on VPP: bridge domains (bridge_domain_add_del_v2), bridge membership and cross-connects.
import type { VppConnection } from '../connection.js';
import * as l2 from '../generated/l2.js';

export const L2_MESSAGES = [
  'bridge_domain_add_del_v2',
  'bridge_domain_dump',
  'sw_interface_set_l2_bridge',
  'sw_interface_set_l2_xconnect',
  'l2_xconnect_dump',
];

export interface BridgeDomainOptions {
  flood?: boolean;
  uuFlood?: boolean;
  forward?: boolean;
  learn?: boolean;
  macAge?: number;
  /** bd_tag (string[64]): records who made the bridge domain. */
  tag?: string;
}

/** Creates bridge domain `bdId` with flooding, forwarding and learning on unless told otherwise. */
export async function addBridgeDomain(
  conn: VppConnection,
  bdId: number,
  options: BridgeDomainOptions = {},
): Promise<number> {
  const reply = await l2.bridgeDomainAddDelV2(conn, {
    is_add: true,
    bd_id: bdId,
    flood: options.flood ?? true,
    uu_flood: options.uuFlood ?? true,
    forward: options.forward ?? true,
    learn: options.learn ?? true,
    mac_age: options.macAge ?? 0,
    bd_tag: options.tag ?? '',
  });
  return reply.bd_id;
}

export async function deleteBridgeDomain(conn: VppConnection, bdId: number): Promise<void> {
  await l2.bridgeDomainAddDelV2(conn, { is_add: false, bd_id: bdId });
}

export async function bridgeDomain(
  conn: VppConnection,
  bdId: number,
): Promise<l2.BridgeDomainDetails | undefined> {
  return (await l2.bridgeDomainDump(conn, { bd_id: bdId, sw_if_index: 0xffffffff }))[0];
}

export async function setBridge(
  conn: VppConnection,
  swIfIndex: number,
  bdId: number,
  enable: boolean,
): Promise<void> {
  await l2.swInterfaceSetL2Bridge(conn, {
    rx_sw_if_index: swIfIndex,
    bd_id: bdId,
    port_type: 0,
    shg: 0,
    enable,
  });
}

/** Cross-connects two interfaces both ways (VPP's xconnect is one direction per call). */
export async function setXconnect(conn: VppConnection, a: number, b: number, enable: boolean): Promise<void> {
  await l2.swInterfaceSetL2Xconnect(conn, { rx_sw_if_index: a, tx_sw_if_index: b, enable });
  await l2.swInterfaceSetL2Xconnect(conn, { rx_sw_if_index: b, tx_sw_if_index: a, enable });
}

export function listBridgeDomains(conn: VppConnection): Promise<l2.BridgeDomainDetails[]> {
  return l2.bridgeDomainDump(conn, { bd_id: 0xffffffff, sw_if_index: 0xffffffff });
}

/** One entry per direction: rx → tx. */
export function listXconnects(conn: VppConnection): Promise<l2.L2XconnectDetails[]> {
  return l2.l2XconnectDump(conn);
}
