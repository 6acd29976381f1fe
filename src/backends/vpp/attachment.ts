// The VPP objects of one attachment: create them in order with an undo registered for each
// (socket dir, memif socket, interface, admin up, bridge/xconnect), and remove them in reverse.
import { chown, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VppConnection } from '../../../vpp-api/connection.js';
import * as interfaces from '../../../vpp-api/features/interfaces.js';
import * as l2 from '../../../vpp-api/features/l2.js';
import * as memif from '../../../vpp-api/features/memif.js';
import * as vhost from '../../../vpp-api/features/vhost.js';
import type { SwInterfaceDetails } from '../../../vpp-api/generated/interface.js';
import { PktbridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { AttachSpec, OwnedObject, Rollback } from '../backend.js';
import { attachmentIdOfTag, bridgeDomainId, bridgeDomainTag, interfaceTag } from './config.js';
import { isGone, vppError } from './errors.js';

export interface CreatedAttachment {
  swIfIndex: number;
  objects: OwnedObject[];
  /** Saved in the record; indexes are informational, detach finds objects by tag. */
  restore: Record<string, unknown>;
}

/** Makes the socket's parent directory (VPP does not, and a memif master fails with -14 without it). */
async function ensureSocketDir(spec: AttachSpec, socketPath: string, rollback: Rollback): Promise<void> {
  const dir = spec.socketDir ?? path.dirname(socketPath);
  const existed = await stat(dir).then(
    () => true,
    () => false,
  );
  if (existed) return;
  await mkdir(dir, { recursive: true, mode: spec.socketOwnership.dirMode });
  rollback.add(`socket dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const { uid, gid } = spec.socketOwnership;
  if (uid !== undefined || gid !== undefined) await chown(dir, uid ?? -1, gid ?? -1);
}

async function createInterface(
  conn: VppConnection,
  spec: AttachSpec,
  rollback: Rollback,
): Promise<{ swIfIndex: number; kind: string; socketId?: number }> {
  const iface = spec.iface;
  if (iface.type === 'pci') {
    throw new PktbridgeError(
      'FAILED_PRECONDITION',
      'iface.type: the vpp backend serves memif and vhost-user; a PCI function needs VPP dpdk plugin config',
    );
  }
  if (iface.type === 'memif' && iface.abstract) {
    throw new PktbridgeError(
      'FAILED_PRECONDITION',
      'iface.abstract: the vpp backend uses memif socket files, not abstract sockets',
    );
  }
  const socketPath = spec.socketPath;
  if (!socketPath)
    throw new PktbridgeError('INVALID_ARGUMENT', 'socketPath: required for a socket interface');
  await ensureSocketDir(spec, socketPath, rollback);
  const tag = interfaceTag(spec);
  if (iface.type === 'vhost-user') {
    const swIfIndex = await vhost.createVhostUser(conn, {
      socketPath,
      isServer: iface.mode === 'server',
      tag,
    });
    rollback.add(`vhost-user ${swIfIndex}`, () => vhost.deleteVhostUser(conn, swIfIndex));
    return { swIfIndex, kind: 'vhost-user' };
  }
  const socketId = await memif.addMemifSocket(conn, socketPath);
  rollback.add(`memif socket ${socketId}`, () => memif.deleteMemifSocket(conn, socketId));
  const swIfIndex = await memif.createMemif(conn, {
    socketId,
    id: iface.id,
    role: iface.role,
    mode: iface.mode,
    rxQueues: iface.queues,
    txQueues: iface.queues,
    ringSize: iface.ringSize,
    bufferSize: iface.bufferSize,
    secret: iface.secret,
  });
  rollback.add(`memif ${swIfIndex}`, () => memif.deleteMemif(conn, swIfIndex));
  // A master memif's socket file stays on disk after VPP deletes the interface.
  if (iface.role === 'server')
    rollback.add(`socket file ${socketPath}`, () => rm(socketPath, { force: true }));
  // memif_create_v2 has no tag field, so the tag that marks it as ours is set separately.
  await interfaces.setTag(conn, swIfIndex, tag);
  return { swIfIndex, kind: 'memif', socketId };
}

/** Joins the bridge domain of `bridge`, creating it (tagged as ours) when it does not exist. */
async function joinBridge(
  conn: VppConnection,
  swIfIndex: number,
  bridge: string,
  rollback: Rollback,
): Promise<{ bdId: number; created: boolean }> {
  const bdId = bridgeDomainId(bridge);
  const existing = await l2.bridgeDomain(conn, bdId);
  const tag = bridgeDomainTag(bridge);
  if (
    existing &&
    existing.bd_tag !== '' &&
    existing.bd_tag !== tag &&
    existing.bd_tag.startsWith('pktbridge:')
  ) {
    throw new PktbridgeError(
      'FAILED_PRECONDITION',
      `connect.bridge: bridge domain ${bdId} is already used for "${existing.bd_tag}"`,
    );
  }
  if (!existing) {
    await l2.addBridgeDomain(conn, bdId, { tag });
    rollback.add(`bridge domain ${bdId}`, () => l2.deleteBridgeDomain(conn, bdId));
  }
  await l2.setBridge(conn, swIfIndex, bdId, true);
  rollback.add(`bridge member ${swIfIndex}`, () => l2.setBridge(conn, swIfIndex, bdId, false));
  return { bdId, created: !existing };
}

async function peerIndex(conn: VppConnection, peer: string): Promise<number> {
  const details = await interfaces.interfaceByName(conn, peer);
  if (!details) throw new PktbridgeError('NOT_FOUND', `connect.peer: VPP has no interface named "${peer}"`);
  return details.sw_if_index;
}

/** Creates the attachment's VPP objects; each step's undo is registered on `rollback` as it is made. */
export async function createAttachment(
  conn: VppConnection,
  spec: AttachSpec,
  apiSocket: string,
  rollback: Rollback,
): Promise<CreatedAttachment> {
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw vppError(err, what);
    }
  };
  const made = await step('create interface', () => createInterface(conn, spec, rollback));
  const { swIfIndex } = made;
  const mtu = spec.mtu;
  if (mtu !== undefined) await step('set mtu', () => interfaces.setMtu(conn, swIfIndex, mtu));
  await step('admin up', () => interfaces.setAdminUp(conn, swIfIndex, true));
  const objects: OwnedObject[] = [
    { backend: 'vpp', kind: made.kind, ref: objectRef(apiSocket, swIfIndex), attachmentId: spec.id },
  ];
  const restore: Record<string, unknown> = { apiSocket, swIfIndex, socketId: made.socketId };
  const connect = spec.connect;
  if (connect.kind === 'bridge') {
    const { bdId, created } = await step('join bridge', () =>
      joinBridge(conn, swIfIndex, connect.bridge, rollback),
    );
    Object.assign(restore, { bdId, bdCreated: created });
  } else if (connect.kind === 'xconnect') {
    const peer = await step('find xconnect peer', () => peerIndex(conn, connect.peer));
    await step('cross-connect', () => l2.setXconnect(conn, swIfIndex, peer, true));
    rollback.add(`xconnect ${swIfIndex}<->${peer}`, () => l2.setXconnect(conn, swIfIndex, peer, false));
    restore.peerSwIfIndex = peer;
  }
  return { swIfIndex, objects, restore };
}

/** `<apiSocket>#<sw_if_index>`: which VPP and which interface. */
export function objectRef(apiSocket: string, swIfIndex: number): string {
  return `${apiSocket}#${swIfIndex}`;
}

export function parseObjectRef(ref: string): { apiSocket: string; swIfIndex: number } {
  const at = ref.lastIndexOf('#');
  const swIfIndex = Number(ref.slice(at + 1));
  if (at <= 0 || !Number.isInteger(swIfIndex))
    throw new PktbridgeError('INVALID_ARGUMENT', `ref: "${ref}" is not a VPP object reference`);
  return { apiSocket: ref.slice(0, at), swIfIndex };
}

/** Interfaces pktbridge tagged, by attachment id. */
export async function taggedInterfaces(conn: VppConnection): Promise<Map<string, SwInterfaceDetails>> {
  const out = new Map<string, SwInterfaceDetails>();
  for (const details of await interfaces.listInterfaces(conn)) {
    const id = attachmentIdOfTag(details.tag);
    if (id !== undefined) out.set(id, details);
  }
  return out;
}

/** Ignores "already gone" answers, so removal is idempotent. */
async function tolerate(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!isGone(err)) throw err;
  }
}

/** Removes one interface and what only it used: l2 membership or cross-connect, its bridge domain if
 * pktbridge made it and it is now empty, the interface, and its memif socket. Reverse order of attach. */
export async function removeInterface(
  conn: VppConnection,
  details: SwInterfaceDetails,
  log: Logger,
): Promise<void> {
  const swIfIndex = details.sw_if_index;
  for (const bd of await l2.listBridgeDomains(conn)) {
    if (!bd.sw_if_details.some((m) => m.sw_if_index === swIfIndex)) continue;
    await tolerate(() => l2.setBridge(conn, swIfIndex, bd.bd_id, false));
    if (bd.bd_tag.startsWith('pktbridge:') && bd.sw_if_details.every((m) => m.sw_if_index === swIfIndex)) {
      await tolerate(() => l2.deleteBridgeDomain(conn, bd.bd_id));
    }
  }
  const xconnect = (await l2.listXconnects(conn)).find((x) => x.rx_sw_if_index === swIfIndex);
  if (xconnect) await tolerate(() => l2.setXconnect(conn, swIfIndex, xconnect.tx_sw_if_index, false));
  if (details.interface_dev_type === 'memif') {
    const memifs = await memif.listMemifs(conn);
    const socketId = memifs.find((m) => m.sw_if_index === swIfIndex)?.socket_id;
    await tolerate(() => memif.deleteMemif(conn, swIfIndex));
    // Socket 0 is VPP's default; others are deleted once no memif uses them.
    const shared = memifs.some((m) => m.socket_id === socketId && m.sw_if_index !== swIfIndex);
    if (socketId !== undefined && socketId !== 0 && !shared)
      await tolerate(() => memif.deleteMemifSocket(conn, socketId));
  } else {
    await tolerate(() => vhost.deleteVhostUser(conn, swIfIndex));
  }
  log.debug({ swIfIndex, name: details.interface_name }, 'removed VPP interface');
}
