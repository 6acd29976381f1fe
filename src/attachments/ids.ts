// Derivation of attachment ids and per-attachment socket locations, with the checks that keep every
// socket inside the socket root and within the 108-byte limit of a unix socket path.
import { createHash } from 'node:crypto';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { invalidArgument } from '../errors.js';

/** sun_path is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Stable id of (containerId, ifname): 16 hex digits of SHA-256. */
export function attachmentId(containerId: string, ifname: string): string {
  return createHash('sha256').update(`${containerId}\0${ifname}`).digest('hex').slice(0, 16);
}

/** The short id that names a per-attachment socket directory. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** Names of directories the daemon made for single attachments (used by orphan GC). */
export const SHORT_ID_DIR = /^[0-9a-f]{12}$/;

const SLOT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

export function hasDotDot(path: string): boolean {
  return path.split(/[\\/]+/).includes('..');
}

/** Throws INVALID_ARGUMENT naming `field` unless `path` is a usable unix socket path. */
export function checkSocketPath(field: string, path: string): void {
  if (!isAbsolute(path)) throw invalidArgument(field, `"${path}" must be an absolute path`);
  if (hasDotDot(path)) throw invalidArgument(field, `"${path}" must not contain ".."`);
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw invalidArgument(
      field,
      `${bytes} bytes is longer than a unix socket path may be (${MAX_SOCKET_PATH_BYTES})`,
    );
  }
}

export interface SocketLocationInput {
  socketRoot: string;
  id: string;
  ifname: string;
  slot?: string;
  socketDir?: string;
}

export interface SocketLocation {
  socketDir: string;
  socketPath: string;
}

/** `<socketRoot>/<slot or short id>/<ifname>.sock`, or `<socketDir>/<ifname>.sock` when asked for. */
export function socketLocation(input: SocketLocationInput): SocketLocation {
  if (!IFNAME.test(input.ifname))
    throw invalidArgument('ifname', `"${input.ifname}" is not an interface name`);
  let socketDir: string;
  if (input.socketDir !== undefined) {
    if (!isAbsolute(input.socketDir)) throw invalidArgument('socketDir', 'must be an absolute path');
    if (hasDotDot(input.socketDir)) throw invalidArgument('socketDir', 'must not contain ".."');
    socketDir = normalize(input.socketDir).replace(/\/+$/, '');
    const inside = relative(input.socketRoot, socketDir);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep)[0] === '..') {
      throw invalidArgument(
        'socketDir',
        `"${input.socketDir}" is not inside the socket root ${input.socketRoot}`,
      );
    }
  } else if (input.slot !== undefined) {
    if (!SLOT.test(input.slot) || input.slot === '..') {
      throw invalidArgument('slot', `"${input.slot}" is not a slot name (letters, digits, _ . -)`);
    }
    socketDir = join(input.socketRoot, input.slot);
  } else {
    socketDir = join(input.socketRoot, shortId(input.id));
  }
  const socketPath = join(socketDir, `${input.ifname}.sock`);
  checkSocketPath('socketPath', socketPath);
  return { socketDir, socketPath };
}
