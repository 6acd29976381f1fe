// Generic interface operations on VPP: admin state, tags, MTU, dumps and interface events.
import type { VppConnection } from '../connection.js';
import * as iface from '../generated/interface.js';
import { IfStatusFlags } from '../generated/types.js';

export const INTERFACE_MESSAGES = [
  'sw_interface_set_flags',
  'sw_interface_tag_add_del',
  'sw_interface_dump',
  'want_interface_events',
  'hw_interface_set_mtu',
];

export async function setAdminUp(conn: VppConnection, swIfIndex: number, up: boolean): Promise<void> {
  await iface.swInterfaceSetFlags(conn, {
    sw_if_index: swIfIndex,
    flags: up ? IfStatusFlags.IF_STATUS_API_FLAG_ADMIN_UP : 0,
  });
}

/** Sets the interface tag (string[64]); memif_create_v2 has no tag field, so memifs are tagged here. */
export async function setTag(conn: VppConnection, swIfIndex: number, tag: string): Promise<void> {
  await iface.swInterfaceTagAddDel(conn, { is_add: true, sw_if_index: swIfIndex, tag });
}

export async function setMtu(conn: VppConnection, swIfIndex: number, mtu: number): Promise<void> {
  await iface.hwInterfaceSetMtu(conn, { sw_if_index: swIfIndex, mtu });
}

/** Every interface, or those whose name contains `nameFilter`. */
export function listInterfaces(
  conn: VppConnection,
  nameFilter?: string,
): Promise<iface.SwInterfaceDetails[]> {
  return iface.swInterfaceDump(conn, {
    sw_if_index: 0xffffffff,
    name_filter_valid: nameFilter !== undefined,
    name_filter: nameFilter ?? '',
  });
}

export async function interfaceByName(
  conn: VppConnection,
  name: string,
): Promise<iface.SwInterfaceDetails | undefined> {
  return (await listInterfaces(conn, name)).find((d) => d.interface_name === name);
}

export function isAdminUp(details: iface.SwInterfaceDetails): boolean {
  return (details.flags & IfStatusFlags.IF_STATUS_API_FLAG_ADMIN_UP) !== 0;
}

/** Subscribes to sw_interface_event (create, up/down, delete), again on reconnect; resolves with an unsubscribe. */
export async function watchInterfaceEvents(
  conn: VppConnection,
  handler: (event: iface.SwInterfaceEvent) => void,
  pid = process.pid,
): Promise<() => Promise<void>> {
  const unsubscribe = iface.onSwInterfaceEvent(conn, handler);
  // A restarted VPP has forgotten the subscription: ask again on every reconnect.
  const resubscribe = (): void => {
    iface.wantInterfaceEvents(conn, { enable_disable: 1, pid }).catch(() => undefined);
  };
  await iface.wantInterfaceEvents(conn, { enable_disable: 1, pid });
  conn.on('reconnected', resubscribe);
  return async () => {
    conn.off('reconnected', resubscribe);
    unsubscribe();
    await iface.wantInterfaceEvents(conn, { enable_disable: 0, pid });
  };
}
