// The shim <-> daemon wire protocol v1 (must match vhost-cni/shim.c and vhost-cni/index.ts):
//   request: "PBC1" | u32 env count | (u32 len | "KEY=VALUE")* | u32 stdin len | stdin
//   reply:   "PBC1" | u32 exit code | u32 stdout len | stdout          (u32 = big-endian)
import type { CniInvocation, CniReply } from './dispatch.js';

export const MAGIC = Buffer.from('PBC1');
export const MAX_REQUEST_BYTES = 8 << 20;
const MAX_ENV_ENTRIES = 4096;

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/**
 * Decodes a complete request, or returns undefined when `buffer` holds only part of one.
 * Throws ProtocolError when the bytes cannot be a request.
 */
export function decodeRequest(buffer: Buffer): CniInvocation | undefined {
  if (buffer.length < 4) return undefined;
  if (!buffer.subarray(0, 4).equals(MAGIC)) throw new ProtocolError('bad magic: not a vhost-cni request');
  let offset = 4;
  const readU32 = (): number | undefined => {
    if (buffer.length < offset + 4) return undefined;
    const value = buffer.readUInt32BE(offset);
    offset += 4;
    return value;
  };
  const readBytes = (): Buffer | undefined => {
    const length = readU32();
    if (length === undefined) return undefined;
    if (length > MAX_REQUEST_BYTES) throw new ProtocolError(`field of ${length} bytes is too large`);
    if (buffer.length < offset + length) return undefined;
    const bytes = buffer.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };
  const count = readU32();
  if (count === undefined) return undefined;
  if (count > MAX_ENV_ENTRIES) throw new ProtocolError(`${count} environment entries is too many`);
  const env: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const entry = readBytes();
    if (entry === undefined) return undefined;
    const text = entry.toString('utf8');
    const eq = text.indexOf('=');
    if (eq <= 0) throw new ProtocolError(`environment entry "${text.slice(0, 40)}" is not KEY=VALUE`);
    env[text.slice(0, eq)] = text.slice(eq + 1);
  }
  const stdin = readBytes();
  if (stdin === undefined) return undefined;
  return { env, stdin: stdin.toString('utf8') };
}

export function encodeRequest(invocation: CniInvocation): Buffer {
  const entries = Object.entries(invocation.env).map(([key, value]) => Buffer.from(`${key}=${value}`));
  const u32 = (value: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    return b;
  };
  const stdin = Buffer.from(invocation.stdin);
  return Buffer.concat([
    MAGIC,
    u32(entries.length),
    ...entries.flatMap((entry) => [u32(entry.length), entry]),
    u32(stdin.length),
    stdin,
  ]);
}

export function encodeReply(reply: CniReply): Buffer {
  const stdout = Buffer.from(reply.stdout);
  const header = Buffer.alloc(12);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(reply.exitCode, 4);
  header.writeUInt32BE(stdout.length, 8);
  return Buffer.concat([header, stdout]);
}
