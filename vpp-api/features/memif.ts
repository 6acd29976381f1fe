// memif on VPP: socket filenames (memif_socket_filename_add_del_v2) and interfaces (memif_create_v2).
import type { VppConnection } from '../connection.js';
import * as memif from '../generated/memif.js';
import { MemifMode, MemifRole } from '../generated/types.js';

export const MEMIF_MESSAGES = [
  'memif_socket_filename_add_del_v2',
  'memif_create_v2',
  'memif_delete',
  'memif_dump',
  'memif_socket_filename_dump',
];

/** Let VPP choose the socket id (it picks a large pseudo-random one, e.g. 1013904223). */
export const ANY_SOCKET_ID = 0xffffffff;

export interface MemifOptions {
  socketId: number;
  id: number;
  /** VPP's role: 'server' = master, it owns the socket and the shared memory. */
  role: 'server' | 'client';
  mode: 'ethernet' | 'ip' | 'punt-inject';
  rxQueues: number;
  txQueues: number;
  ringSize: number;
  bufferSize: number;
  secret?: string;
  mac?: Uint8Array;
}

const MODES = {
  ethernet: MemifMode.MEMIF_MODE_API_ETHERNET,
  ip: MemifMode.MEMIF_MODE_API_IP,
  'punt-inject': MemifMode.MEMIF_MODE_API_PUNT_INJECT,
};

/** Registers a socket file; returns the socket id (VPP's choice when `socketId` is ANY_SOCKET_ID). */
export async function addMemifSocket(
  conn: VppConnection,
  filename: string,
  socketId = ANY_SOCKET_ID,
): Promise<number> {
  const reply = await memif.memifSocketFilenameAddDelV2(conn, {
    is_add: true,
    socket_id: socketId,
    socket_filename: filename,
  });
  return reply.socket_id;
}

export async function deleteMemifSocket(conn: VppConnection, socketId: number): Promise<void> {
  await memif.memifSocketFilenameAddDelV2(conn, { is_add: false, socket_id: socketId, socket_filename: '' });
}

/** Creates a memif interface; returns its sw_if_index. */
export async function createMemif(conn: VppConnection, options: MemifOptions): Promise<number> {
  const reply = await memif.memifCreateV2(conn, {
    role: options.role === 'server' ? MemifRole.MEMIF_ROLE_API_MASTER : MemifRole.MEMIF_ROLE_API_SLAVE,
    mode: MODES[options.mode],
    rx_queues: options.rxQueues,
    tx_queues: options.txQueues,
    id: options.id,
    socket_id: options.socketId,
    ring_size: options.ringSize,
    buffer_size: options.bufferSize,
    secret: options.secret ?? '',
    hw_addr: options.mac,
  });
  return reply.sw_if_index;
}

export async function deleteMemif(conn: VppConnection, swIfIndex: number): Promise<void> {
  await memif.memifDelete(conn, { sw_if_index: swIfIndex });
}

export function listMemifs(conn: VppConnection): Promise<memif.MemifDetails[]> {
  return memif.memifDump(conn);
}

export function listMemifSockets(conn: VppConnection): Promise<memif.MemifSocketFilenameDetails[]> {
  return memif.memifSocketFilenameDump(conn);
}
