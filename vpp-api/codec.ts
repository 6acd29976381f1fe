// Table-driven VPP message codec: each message is compiled once from its .api.json definition into a
// list of field codecs (structs, unions, enums, aliases, arrays) and cached; encode/decode walk that list.
import { VppApiError } from './errors.js';
import type { Definitions, FieldDef, MessageDef, StructDef } from './definitions.js';
import {
  boolCodec,
  decodeError,
  encodeError,
  f64Codec,
  fixedBytesCodec,
  fixedStringCodec,
  intCodec,
  varStringCodec,
  type Cursor,
  type FieldCodec,
} from './codec-scalars.js';

export type { Cursor, FieldCodec };

export interface CodecOptions {
  /** Reject enum values the definition does not list (and flag bits outside enumflags), both ways. */
  strictEnums?: boolean;
}

export type MessageValue = Record<string, unknown>;

export interface MessageCodec {
  readonly def: MessageDef;
  /** `name_crc` as VPP's message table spells it, e.g. `show_version_51077d14`. */
  readonly nameCrc: string;
  /** Replies and details carry `context`; events do not. */
  readonly hasContext: boolean;
  /** Byte offset of `context` in the payload, so a frame that fails to decode can still be matched. */
  readonly contextOffset: number | undefined;
  /** The payload; with `headroom`, that many bytes are left (uninitialised) before it for a frame header. */
  encode(value: MessageValue, headroom?: number): Buffer;
  decode(payload: Buffer): MessageValue;
}

interface VarArrayCodec extends FieldCodec {
  readCount(cur: Cursor, count: number): unknown;
}

interface StructEntry {
  name: string;
  codec: FieldCodec;
  fallback: unknown;
  /** Set on a count field: the variable array whose length it carries. */
  countOf?: string;
  /** Set on a variable array: the earlier field holding its count. */
  lengthFrom?: string;
}

const INT_TYPES = new Set(['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64']);

function lengthOf(value: unknown): number {
  return value instanceof Uint8Array || Array.isArray(value) ? value.length : 0;
}

export class Codec {
  private readonly messages = new Map<string, MessageCodec>();

  constructor(
    readonly defs: Definitions,
    readonly options: CodecOptions = {},
  ) {}

  /** The compiled codec of `name`; compiled on first use, then cached. */
  message(name: string): MessageCodec {
    let codec = this.messages.get(name);
    if (!codec) {
      const def = this.defs.messages.get(name);
      if (!def)
        throw new VppApiError('UNKNOWN_MESSAGE', `message ${name} is not in the loaded API definitions`, {
          message: name,
        });
      codec = this.compileMessage(def);
      this.messages.set(name, codec);
    }
    return codec;
  }

  private compileMessage(def: MessageDef): MessageCodec {
    const struct = this.structCodec(def, def.name);
    const fixed = struct.fixedSize;
    let contextOffset: number | undefined = 0;
    for (const field of def.fields) {
      if (field.name === 'context') break;
      const size = this.fieldCodec(field, def.name).fixedSize;
      contextOffset = size === undefined || contextOffset === undefined ? undefined : contextOffset + size;
    }
    return {
      def,
      nameCrc: `${def.name}_${def.crc.slice(2)}`,
      hasContext: def.fields.some((f) => f.name === 'context'),
      contextOffset: def.fields.some((f) => f.name === 'context') ? contextOffset : undefined,
      encode(value, headroom = 0) {
        const buf = Buffer.allocUnsafe(headroom + (fixed ?? struct.size(value)));
        struct.write(buf, headroom, value);
        return buf;
      },
      decode(payload) {
        return struct.read({ buf: payload, off: 0, end: payload.length }) as MessageValue;
      },
    };
  }

  private structCodec(def: StructDef, path: string): FieldCodec {
    const entries: StructEntry[] = def.fields.map((field) => ({
      name: field.name,
      codec: this.fieldCodec(field, `${path}.${field.name}`),
      fallback: field.default,
      lengthFrom: field.lengthFrom,
    }));
    for (const entry of entries) {
      if (!entry.lengthFrom) continue;
      const counter = entries.find((e) => e.name === entry.lengthFrom);
      if (!counter || entries.indexOf(counter) > entries.indexOf(entry)) {
        throw new VppApiError(
          'DEFINITION',
          `${path}.${entry.name}: length field ${entry.lengthFrom} is not an earlier field`,
        );
      }
      counter.countOf = entry.name;
    }
    for (const entry of entries) {
      if (entry.fallback === 'true' || entry.fallback === 'false') entry.fallback = entry.fallback === 'true';
      if (typeof entry.fallback === 'number' && entry.codec.zero() === 0n)
        entry.fallback = BigInt(entry.fallback);
    }
    const shape: MessageValue = Object.fromEntries(entries.map((e) => [e.name, undefined]));
    const sizes = entries.map((e) => e.codec.fixedSize);
    const fixedSize = sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a + b, 0) : undefined;
    const valueOf = (entry: StructEntry, obj: MessageValue): unknown => {
      if (entry.countOf !== undefined) {
        const count = lengthOf(obj[entry.countOf]);
        const given = obj[entry.name];
        if (given !== undefined && Number(given) !== count) {
          throw encodeError(
            `${path}.${entry.name}`,
            `is ${String(given)} but ${entry.countOf} has ${count} elements`,
            given,
          );
        }
        return entry.codec.zero() === 0n ? BigInt(count) : count;
      }
      const v = obj[entry.name];
      return v === undefined ? entry.fallback : v;
    };
    const asObject = (value: unknown): MessageValue => {
      if (value === undefined) return {};
      if (typeof value !== 'object' || value === null) throw encodeError(path, 'expected an object', value);
      return value as MessageValue;
    };
    return {
      fixedSize,
      zero: () => ({}),
      size(value) {
        if (fixedSize !== undefined) return fixedSize;
        const obj = asObject(value);
        let total = 0;
        for (const entry of entries) total += entry.codec.fixedSize ?? entry.codec.size(valueOf(entry, obj));
        return total;
      },
      write(buf, off, value) {
        const obj = asObject(value);
        for (const entry of entries) off = entry.codec.write(buf, off, valueOf(entry, obj));
        return off;
      },
      read(cur) {
        // Cloning a template keeps one hidden class per struct; adding keys one by one does not.
        const out: MessageValue = { ...shape };
        for (const entry of entries) {
          if (entry.lengthFrom !== undefined) {
            out[entry.name] = (entry.codec as VarArrayCodec).readCount(cur, Number(out[entry.lengthFrom]));
          } else {
            out[entry.name] = entry.codec.read(cur);
          }
        }
        return out;
      },
    };
  }

  private fieldCodec(field: FieldDef, path: string): FieldCodec {
    if (field.type === 'string')
      return field.length ? fixedStringCodec(field.length, path) : varStringCodec(path);
    if (field.length === undefined) return this.typeCodec(field.type, path);
    const element = this.typeCodec(field.type, `${path}[]`);
    const isBytes = field.type === 'u8';
    if (field.length > 0)
      return isBytes ? fixedBytesCodec(field.length, path) : fixedArrayCodec(element, field.length, path);
    return varArrayCodec(element, isBytes, path);
  }

  private typeCodec(type: string, path: string): FieldCodec {
    if (INT_TYPES.has(type)) return intCodec(type as 'u8', path);
    if (type === 'f64') return f64Codec(path);
    if (type === 'bool') return boolCodec(path);
    const name = type.replace(/^vl_api_/, '').replace(/_t$/, '');
    const alias = this.defs.aliases.get(name);
    if (alias) return this.fieldCodec({ type: alias.type, name, length: alias.length }, path);
    const enumDef = this.defs.enums.get(name);
    if (enumDef) {
      if (!this.options.strictEnums) return intCodec(enumDef.type, path);
      const known = new Set(enumDef.values.map(([, v]) => BigInt(v)));
      const mask = enumDef.values.reduce((m, [, v]) => m | BigInt(v), 0n);
      // Many VPP APIs declare bit sets as plain enums (if_status_flags, virtio_net_features_first_32):
      // an enum named *_flags or made only of single bits is checked as a mask, where 0 is valid.
      const singleBits = enumDef.values.every(([, v]) => v > 0 && (BigInt(v) & (BigInt(v) - 1n)) === 0n);
      const isMask = enumDef.flags || name.endsWith('_flags') || singleBits;
      return intCodec(enumDef.type, path, (value) => {
        const v = BigInt(value);
        if (isMask ? (v & ~mask) !== 0n : !known.has(v)) {
          throw new VppApiError(
            'DECODE',
            `${path}: ${String(value)} is not a value of ${isMask ? 'flags' : 'enum'} ${name}`,
            {
              field: path,
              value: String(value),
            },
          );
        }
      });
    }
    const struct = this.defs.types.get(name);
    if (struct) return this.structCodec(struct, path);
    const union = this.defs.unions.get(name);
    if (union) return this.unionCodec(union, path);
    throw new VppApiError('DEFINITION', `${path}: unknown type ${type}`, { field: path, type });
  }

  /** Every member shares the same bytes; the union is as wide as its widest member. */
  private unionCodec(def: StructDef, path: string): FieldCodec {
    const members = def.fields.map((field) => ({
      name: field.name,
      codec: this.fieldCodec(field, `${path}.${field.name}`),
    }));
    const size = Math.max(
      ...members.map((m) => {
        if (m.codec.fixedSize === undefined)
          throw new VppApiError('DEFINITION', `${path}.${m.name}: union member of variable size`);
        return m.codec.fixedSize;
      }),
    );
    return {
      fixedSize: size,
      size: () => size,
      zero: () => ({}),
      write(buf, off, value) {
        const obj = (value ?? {}) as MessageValue;
        // A decoded union holds every member; the widest one given reproduces the bytes exactly.
        let chosen: (typeof members)[number] | undefined;
        for (const m of members)
          if (obj[m.name] !== undefined && (!chosen || m.codec.fixedSize! > chosen.codec.fixedSize!))
            chosen = m;
        buf.fill(0, off, off + size);
        if (chosen) chosen.codec.write(buf, off, obj[chosen.name]);
        return off + size;
      },
      read(cur) {
        if (cur.off + size > cur.end) throw decodeError(path, cur, size);
        const out: MessageValue = {};
        const start = cur.off;
        for (const m of members) {
          cur.off = start;
          out[m.name] = m.codec.read(cur);
        }
        cur.off = start + size;
        return out;
      },
    };
  }
}

function fixedArrayCodec(element: FieldCodec, length: number, path: string): FieldCodec {
  const elementSize = element.fixedSize;
  return {
    fixedSize: elementSize === undefined ? undefined : elementSize * length,
    zero: () => Array.from({ length }, () => element.zero()),
    size: (value) => (value as unknown[]).reduce((total: number, v) => total + element.size(v), 0),
    write(buf, off, value) {
      const items = (value ?? []) as unknown[];
      if (!Array.isArray(items) || items.length > length)
        throw encodeError(path, `expected at most ${length} elements`, value);
      for (let i = 0; i < length; i++) off = element.write(buf, off, items[i]);
      return off;
    },
    read(cur) {
      const out: unknown[] = new Array(length);
      for (let i = 0; i < length; i++) out[i] = element.read(cur);
      return out;
    },
  };
}

/** `T x[count]` with an earlier count field; without one the array runs to the end of the payload. */
function varArrayCodec(element: FieldCodec, isBytes: boolean, path: string): VarArrayCodec {
  const minSize = element.fixedSize ?? 1;
  const readCount = (cur: Cursor, count: number): unknown => {
    if (count * minSize > cur.end - cur.off)
      throw decodeError(path, cur, count * minSize, `length field ${count} larger than the frame`);
    if (isBytes) {
      const v = Buffer.from(cur.buf.subarray(cur.off, cur.off + count));
      cur.off += count;
      return v;
    }
    const out: unknown[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = element.read(cur);
    return out;
  };
  return {
    fixedSize: undefined,
    zero: () => (isBytes ? Buffer.alloc(0) : []),
    size(value) {
      if (value === undefined) return 0;
      if (isBytes) return (value as Uint8Array).length;
      if (element.fixedSize !== undefined) return element.fixedSize * (value as unknown[]).length;
      return (value as unknown[]).reduce((total: number, v) => total + element.size(v), 0);
    },
    write(buf, off, value) {
      if (value === undefined) return off;
      if (isBytes) {
        if (!(value instanceof Uint8Array)) throw encodeError(path, 'expected bytes', value);
        buf.set(value, off);
        return off + value.length;
      }
      if (!Array.isArray(value)) throw encodeError(path, 'expected an array', value);
      for (const item of value) off = element.write(buf, off, item);
      return off;
    },
    read: (cur) => readCount(cur, Math.floor((cur.end - cur.off) / minSize)),
    readCount,
  };
}
