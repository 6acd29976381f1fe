// Wire codecs of VPP's scalar and string types (big-endian, no padding): the leaves codec.ts compiles
// messages from. Every reader checks bounds and every writer checks range, naming the field path.
import { VppApiError } from './errors.js';
import type { IntType } from './definitions.js';

/** Read position in one payload; `end` bounds every read. */
export interface Cursor {
  buf: Buffer;
  off: number;
  end: number;
}

export interface FieldCodec {
  /** Wire size when it does not depend on the value. */
  fixedSize: number | undefined;
  size(value: unknown): number;
  /** Writes `value` at `off` (the buffer is already large enough); returns the new offset. */
  write(buf: Buffer, off: number, value: unknown): number;
  read(cur: Cursor): unknown;
  /** The value written when the caller gives none. */
  zero(): unknown;
}

export function decodeError(path: string, cur: Cursor, need: number, what = 'frame truncated'): VppApiError {
  return new VppApiError(
    'DECODE',
    `${path}: ${what} (need ${need} bytes at offset ${cur.off}, frame has ${cur.end})`,
    {
      field: path,
      offset: cur.off,
    },
  );
}

export function encodeError(path: string, message: string, value?: unknown): VppApiError {
  return new VppApiError('ENCODE', `${path}: ${message}`, {
    field: path,
    value: typeof value === 'bigint' ? String(value) : value,
  });
}

function need(cur: Cursor, n: number, path: string): void {
  if (cur.off + n > cur.end) throw decodeError(path, cur, n);
}

const INT_RANGES: Record<IntType, { size: number; min: number | bigint; max: number | bigint }> = {
  u8: { size: 1, min: 0, max: 0xff },
  u16: { size: 2, min: 0, max: 0xffff },
  u32: { size: 4, min: 0, max: 0xffffffff },
  u64: { size: 8, min: 0n, max: 0xffffffffffffffffn },
  i8: { size: 1, min: -0x80, max: 0x7f },
  i16: { size: 2, min: -0x8000, max: 0x7fff },
  i32: { size: 4, min: -0x80000000, max: 0x7fffffff },
  i64: { size: 8, min: -0x8000000000000000n, max: 0x7fffffffffffffffn },
};

export function intSize(type: IntType): number {
  return INT_RANGES[type].size;
}

/** u8…u32 and i8…i32 are JS numbers; u64 and i64 are bigints (numbers are accepted when encoding). */
export function intCodec(type: IntType, path: string, check?: (value: number | bigint) => void): FieldCodec {
  const { size, min, max } = INT_RANGES[type];
  const is64 = size === 8;
  const readers: Record<IntType, (buf: Buffer, off: number) => number | bigint> = {
    u8: (b, o) => b.readUInt8(o),
    u16: (b, o) => b.readUInt16BE(o),
    u32: (b, o) => b.readUInt32BE(o),
    u64: (b, o) => b.readBigUInt64BE(o),
    i8: (b, o) => b.readInt8(o),
    i16: (b, o) => b.readInt16BE(o),
    i32: (b, o) => b.readInt32BE(o),
    i64: (b, o) => b.readBigInt64BE(o),
  };
  const writers: Record<IntType, (buf: Buffer, v: never, off: number) => number> = {
    u8: (b, v, o) => b.writeUInt8(v, o),
    u16: (b, v, o) => b.writeUInt16BE(v, o),
    u32: (b, v, o) => b.writeUInt32BE(v, o),
    u64: (b, v, o) => b.writeBigUInt64BE(v, o),
    i8: (b, v, o) => b.writeInt8(v, o),
    i16: (b, v, o) => b.writeInt16BE(v, o),
    i32: (b, v, o) => b.writeInt32BE(v, o),
    i64: (b, v, o) => b.writeBigInt64BE(v, o),
  };
  const reader = readers[type];
  const writer = writers[type] as (buf: Buffer, v: number | bigint, off: number) => number;
  return {
    fixedSize: size,
    size: () => size,
    zero: () => (is64 ? 0n : 0),
    write(buf, off, value) {
      let v = value ?? (is64 ? 0n : 0);
      if (is64 && typeof v === 'number' && Number.isInteger(v)) v = BigInt(v);
      if (is64 ? typeof v !== 'bigint' : typeof v !== 'number' || !Number.isInteger(v)) {
        throw encodeError(path, `expected ${is64 ? 'a bigint' : 'an integer'} for ${type}`, v);
      }
      if ((v as number | bigint) < min || (v as number | bigint) > max)
        throw encodeError(path, `${String(v)} out of range for ${type}`, v);
      check?.(v as number | bigint);
      return writer(buf, v as number | bigint, off);
    },
    read(cur) {
      need(cur, size, path);
      const v = reader(cur.buf, cur.off);
      cur.off += size;
      check?.(v);
      return v;
    },
  };
}

export function f64Codec(path: string): FieldCodec {
  return {
    fixedSize: 8,
    size: () => 8,
    zero: () => 0,
    write(buf, off, value) {
      const v = value ?? 0;
      if (typeof v !== 'number') throw encodeError(path, 'expected a number for f64', v);
      return buf.writeDoubleBE(v, off);
    },
    read(cur) {
      need(cur, 8, path);
      const v = cur.buf.readDoubleBE(cur.off);
      cur.off += 8;
      return v;
    },
  };
}

export function boolCodec(path: string): FieldCodec {
  return {
    fixedSize: 1,
    size: () => 1,
    zero: () => false,
    write(buf, off, value) {
      if (value !== undefined && typeof value !== 'boolean')
        throw encodeError(path, 'expected a boolean', value);
      return buf.writeUInt8(value ? 1 : 0, off);
    },
    read(cur) {
      need(cur, 1, path);
      return cur.buf[cur.off++] !== 0;
    },
  };
}

/** `string x[N]`: N bytes, NUL-padded; decoding stops at the first NUL. */
export function fixedStringCodec(length: number, path: string): FieldCodec {
  return {
    fixedSize: length,
    size: () => length,
    zero: () => '',
    write(buf, off, value) {
      const v = value ?? '';
      if (typeof v !== 'string') throw encodeError(path, 'expected a string', v);
      if (Buffer.byteLength(v, 'utf8') > length)
        throw encodeError(path, `string longer than ${length} bytes`, v);
      const written = buf.write(v, off, length, 'utf8');
      buf.fill(0, off + written, off + length);
      return off + length;
    },
    read(cur) {
      need(cur, length, path);
      // A JS scan beats Buffer.indexOf (a native call) on fields this short, and most are empty.
      const buf = cur.buf;
      const limit = cur.off + length;
      let stop = cur.off;
      while (stop < limit && buf[stop] !== 0) stop++;
      const v = stop === cur.off ? '' : buf.toString('utf8', cur.off, stop);
      cur.off = limit;
      return v;
    },
  };
}

/** `string x[]`: u32 byte length then the bytes, no NUL; an empty string is 4 zero bytes. */
export function varStringCodec(path: string): FieldCodec {
  return {
    fixedSize: undefined,
    size: (value) => 4 + (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0),
    zero: () => '',
    write(buf, off, value) {
      const v = value ?? '';
      if (typeof v !== 'string') throw encodeError(path, 'expected a string', v);
      const written = buf.write(v, off + 4, 'utf8');
      buf.writeUInt32BE(written, off);
      return off + 4 + written;
    },
    read(cur) {
      need(cur, 4, path);
      const length = cur.buf.readUInt32BE(cur.off);
      cur.off += 4;
      if (cur.off + length > cur.end)
        throw decodeError(path, cur, length, `string length ${length} larger than the frame`);
      const v = cur.buf.toString('utf8', cur.off, cur.off + length);
      cur.off += length;
      return v;
    },
  };
}

/** `u8 x[N]` and byte aliases (mac_address, ip4_address): raw bytes as a Buffer. */
export function fixedBytesCodec(length: number, path: string): FieldCodec {
  return {
    fixedSize: length,
    size: () => length,
    zero: () => Buffer.alloc(length),
    write(buf, off, value) {
      if (value === undefined) return (buf.fill(0, off, off + length), off + length);
      if (!(value instanceof Uint8Array) || value.length !== length)
        throw encodeError(path, `expected ${length} bytes`, value);
      buf.set(value, off);
      return off + length;
    },
    read(cur) {
      need(cur, length, path);
      const v = Buffer.from(cur.buf.subarray(cur.off, cur.off + length));
      cur.off += length;
      return v;
    },
  };
}
