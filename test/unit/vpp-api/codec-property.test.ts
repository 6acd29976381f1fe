// Property: for every message in the bundled definitions, any valid value encodes, decodes back to
// itself (count fields filled in, union members all decoded) and re-encodes to the same bytes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Codec } from '../../../vpp-api/codec.js';
import { bundledDefinitions, type Definitions, type FieldDef } from '../../../vpp-api/definitions.js';

const defs = bundledDefinitions();
const codec = new Codec(defs, { strictEnums: true });
const INT_BITS: Record<string, [bigint, bigint]> = {
  u8: [0n, 0xffn],
  u16: [0n, 0xffffn],
  u32: [0n, 0xffffffffn],
  u64: [0n, 0xffffffffffffffffn],
  i8: [-0x80n, 0x7fn],
  i16: [-0x8000n, 0x7fffn],
  i32: [-0x80000000n, 0x7fffffffn],
  i64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

function intArb(type: string): fc.Arbitrary<unknown> {
  const [min, max] = INT_BITS[type]!;
  return type.endsWith('64') ? fc.bigInt({ min, max }) : fc.integer({ min: Number(min), max: Number(max) });
}

function typeArb(type: string, d: Definitions): fc.Arbitrary<unknown> {
  if (INT_BITS[type]) return intArb(type);
  if (type === 'f64') return fc.double();
  if (type === 'bool') return fc.boolean();
  const name = type.replace(/^vl_api_/, '').replace(/_t$/, '');
  const alias = d.aliases.get(name);
  if (alias) return fieldArb({ type: alias.type, name, length: alias.length }, d);
  const enumDef = d.enums.get(name);
  if (enumDef)
    return fc.constantFrom(...enumDef.values.map(([, v]) => (enumDef.type.endsWith('64') ? BigInt(v) : v)));
  const struct = d.types.get(name);
  if (struct) return structArb(struct.fields, d);
  const union = d.unions.get(name);
  if (union) return fc.oneof(...union.fields.map((f) => fieldArb(f, d).map((v) => ({ [f.name]: v }))));
  throw new Error(`no arbitrary for ${type}`);
}

function fieldArb(field: FieldDef, d: Definitions): fc.Arbitrary<unknown> {
  if (field.type === 'string') {
    const max = field.length || 40;
    return fc.string({ maxLength: max }).filter((s) => !s.includes('\0') && Buffer.byteLength(s) <= max);
  }
  if (field.length === undefined) return typeArb(field.type, d);
  if (field.type === 'u8') {
    const n = field.length;
    return fc
      .uint8Array(n > 0 ? { minLength: n, maxLength: n } : { maxLength: 16 })
      .map((a) => Buffer.from(a));
  }
  const element = typeArb(field.type, d);
  return field.length > 0
    ? fc.array(element, { minLength: field.length, maxLength: field.length })
    : fc.array(element, { maxLength: 4 });
}

function structArb(fields: FieldDef[], d: Definitions): fc.Arbitrary<Record<string, unknown>> {
  const counts = new Set(fields.map((f) => f.lengthFrom).filter((f) => f !== undefined));
  return fc.record(
    Object.fromEntries(fields.filter((f) => !counts.has(f.name)).map((f) => [f.name, fieldArb(f, d)])),
  );
}

describe('codec round trip over generated values', () => {
  const names = [...defs.messages.keys()].sort();

  it('covers every bundled message', () => {
    expect(names.length).toBeGreaterThan(200);
  });

  it.each(names)('%s', (name) => {
    const message = codec.message(name);
    fc.assert(
      fc.property(structArb(message.def.fields, defs), (value) => {
        const bytes = message.encode(value);
        const decoded = message.decode(bytes);
        expect(decoded).toMatchObject(value);
        for (const field of message.def.fields) {
          if (field.lengthFrom)
            expect(Number(decoded[field.lengthFrom])).toBe((decoded[field.name] as unknown[]).length);
        }
        expect(message.encode(decoded).equals(bytes)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('codec on arbitrary bytes', () => {
  const names = [...defs.messages.keys()].sort();

  it('either decodes or throws a DECODE error naming the message, never anything else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.uint8Array({ maxLength: 400 }), (name, bytes) => {
        try {
          codec.message(name).decode(Buffer.from(bytes));
        } catch (err) {
          expect(err).toMatchObject({ code: 'DECODE' });
          expect((err as Error).message.startsWith(`${name}.`)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
