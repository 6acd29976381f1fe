// The OVSDB stream framing: concatenated JSON values recovered however the bytes are chunked.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JsonStreamError, JsonValueSplitter } from '../../../src/backends/ovs/jsonStream.js';

function feed(chunks: Buffer[]): unknown[] {
  const splitter = new JsonValueSplitter();
  return chunks.flatMap((c) => splitter.push(c));
}

describe('JsonValueSplitter', () => {
  it('splits back-to-back values that arrive in one chunk', () => {
    const text = '{"id":1,"result":[]}{"method":"echo","params":[],"id":"x"} [1,{"a":"}"}]';
    expect(feed([Buffer.from(text)])).toEqual([
      { id: 1, result: [] },
      { method: 'echo', params: [], id: 'x' },
      [1, { a: '}' }],
    ]);
  });

  it('recovers the same values for any chunking, including inside multi-byte characters and escapes', () => {
    const values = [{ s: 'brücke "{[" \\ ✓' }, { method: 'update', params: ['m', { Interface: {} }] }, []];
    const bytes = Buffer.from(values.map((v) => JSON.stringify(v)).join(''));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          const sorted = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const chunks = sorted.slice(1).map((end, i) => bytes.subarray(sorted[i], end));
          expect(feed(chunks)).toEqual(values);
        },
      ),
    );
  });

  it('keeps an incomplete value until the rest arrives', () => {
    const splitter = new JsonValueSplitter();
    expect(splitter.push('{"id":1,"res')).toEqual([]);
    expect(splitter.push('ult":null}')).toEqual([{ id: 1, result: null }]);
  });

  it('rejects garbage between values', () => {
    expect(() => new JsonValueSplitter().push('{"a":1} x')).toThrow(JsonStreamError);
  });

  it('rejects a value larger than the limit', () => {
    expect(() => new JsonValueSplitter(10).push('{"aaaaaaaaaaaaaaaaaaa')).toThrow(/larger than 10/);
  });
});
