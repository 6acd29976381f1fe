// Loads proto/pktbridge.proto and wraps each method's request decoder so a request whose bytes do not
// match the schema (a field sent with the wrong wire type) becomes INVALID_ARGUMENT naming the field.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PACKAGE = 'pktbridge.v1';

/**
 * Proto field names and numbers for uint64 on both sides. The server decodes without defaults so a
 * missing field stays missing (and validation can name it); clients decode replies with defaults.
 */
const loaderOptions = (defaults: boolean): protoLoader.Options => ({
  keepCase: true,
  longs: Number,
  enums: String,
  defaults,
  arrays: true,
  oneofs: true,
});

/** The repo (or installed package) root, found from this file in `src/api` or `dist/src/api`. */
export function protoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'proto', 'pktbridge.proto');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('proto/pktbridge.proto not found above ' + fileURLToPath(import.meta.url));
}

interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
}

/** A request that failed the wire check; handlers answer INVALID_ARGUMENT with `field` named. */
export interface DecodeFailure {
  readonly decodeFailure: { field: string; message: string };
}

export function isDecodeFailure(value: unknown): value is DecodeFailure {
  return typeof value === 'object' && value !== null && 'decodeFailure' in value;
}

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];

function expectedWireType(type: string): number {
  switch (type) {
    case 'TYPE_STRING':
    case 'TYPE_BYTES':
    case 'TYPE_MESSAGE':
      return 2;
    case 'TYPE_DOUBLE':
    case 'TYPE_FIXED64':
    case 'TYPE_SFIXED64':
      return 1;
    case 'TYPE_FLOAT':
    case 'TYPE_FIXED32':
    case 'TYPE_SFIXED32':
      return 5;
    default:
      return 0;
  }
}

class WireError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function readVarint(buf: Buffer, pos: number, field: string): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new WireError(field, 'truncated varint');
    const byte = buf[pos++]!;
    if (shift < 49) value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, pos];
    if (shift > 70) throw new WireError(field, 'varint too long');
  }
}

/** Walks the encoded message and throws a WireError at the first field of the wrong wire type. */
function checkWire(
  definition: protoLoader.PackageDefinition,
  typeName: string,
  buf: Buffer,
  prefix: string,
): void {
  const type = definition[`${PACKAGE}.${typeName}`] as { type?: unknown } | undefined;
  const fields = (type?.type as { field?: FieldDescriptor[] } | undefined)?.field ?? [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos, prefix || 'request');
    pos = afterTag;
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    const field = fields.find((f) => f.number === number);
    const name = field ? `${prefix}${field.name}` : `${prefix}#${number}`;
    if (field) {
      const expected = expectedWireType(field.type);
      const packed = field.label === 'LABEL_REPEATED' && expected !== 2 && wire === 2;
      if (wire !== expected && !packed) {
        throw new WireError(
          name,
          `wrong type: got ${WIRE_NAMES[wire] ?? wire} data, expected ${field.type.replace('TYPE_', '').toLowerCase()}`,
        );
      }
    }
    if (wire === 0) [, pos] = readVarint(buf, pos, name);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [length, start] = readVarint(buf, pos, name);
      const end = start + length;
      if (end > buf.length) throw new WireError(name, 'truncated field');
      if (field?.type === 'TYPE_MESSAGE')
        checkWire(definition, field.typeName, buf.subarray(start, end), `${name}.`);
      pos = end;
    } else throw new WireError(name, `unsupported wire type ${wire}`);
    if (pos > buf.length) throw new WireError(name, 'truncated field');
  }
}

export interface LoadedApi {
  definition: protoLoader.PackageDefinition;
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
}

const cached = new Map<'server' | 'client', LoadedApi>();

export function loadApi(side: 'server' | 'client' = 'server'): LoadedApi {
  const hit = cached.get(side);
  if (hit) return hit;
  const definition = protoLoader.loadSync(protoPath(), loaderOptions(side === 'client'));
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    pktbridge: { v1: { Pktbridge: grpc.ServiceClientConstructor } };
  };
  const Client = loaded.pktbridge.v1.Pktbridge;
  const service: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [method, attrs] of Object.entries(Client.service)) {
    const requestType = (attrs as unknown as { requestType: { type: { name: string } } }).requestType.type
      .name;
    const decode = attrs.requestDeserialize;
    service[method] = {
      ...attrs,
      // grpc-js turns a throwing decoder into INTERNAL; a value lets the handler answer precisely.
      requestDeserialize: (buf: Buffer) => {
        try {
          checkWire(definition, requestType, buf, '');
          return decode(buf);
        } catch (err) {
          const field = err instanceof WireError ? err.field : 'request';
          return { decodeFailure: { field, message: (err as Error).message } } satisfies DecodeFailure;
        }
      },
    };
  }
  const api: LoadedApi = { definition, service: service as grpc.ServiceDefinition, Client };
  cached.set(side, api);
  return api;
}
