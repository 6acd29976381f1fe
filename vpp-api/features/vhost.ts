// vhost-user on VPP: create_vhost_user_if_v2, delete_vhost_user_if and the vhost-user dump.
import type { VppConnection } from '../connection.js';
import * as vhost from '../generated/vhost_user.js';

export const VHOST_MESSAGES = [
  'create_vhost_user_if_v2',
  'delete_vhost_user_if',
  'sw_interface_vhost_user_dump',
];

export interface VhostUserOptions {
  socketPath: string;
  /** VPP's side: true = VPP creates the socket and the guest's virtio-user connects. */
  isServer: boolean;
  /** Interface tag (string[64]); how pktbridge recognises its interfaces in dumps. */
  tag: string;
  mac?: Uint8Array;
  enableGso?: boolean;
  enablePacked?: boolean;
}

/** Creates a vhost-user interface; returns its sw_if_index. */
export async function createVhostUser(conn: VppConnection, options: VhostUserOptions): Promise<number> {
  const reply = await vhost.createVhostUserIfV2(conn, {
    is_server: options.isServer,
    sock_filename: options.socketPath,
    enable_gso: options.enableGso ?? false,
    enable_packed: options.enablePacked ?? false,
    use_custom_mac: options.mac !== undefined,
    mac_address: options.mac,
    tag: options.tag,
  });
  return reply.sw_if_index;
}

export async function deleteVhostUser(conn: VppConnection, swIfIndex: number): Promise<void> {
  await vhost.deleteVhostUserIf(conn, { sw_if_index: swIfIndex });
}

export function listVhostUsers(conn: VppConnection): Promise<vhost.SwInterfaceVhostUserDetails[]> {
  return vhost.swInterfaceVhostUserDump(conn, { sw_if_index: 0xffffffff });
}
