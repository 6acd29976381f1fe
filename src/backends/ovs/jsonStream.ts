// Splits a byte stream of concatenated JSON values (RFC 7047 framing: no delimiters, no lengths)
// into parsed values, however the bytes are chunked.
import { StringDecoder } from 'node:string_decoder';

export class JsonStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonStreamError';
  }
}

/**
 * Feed chunks with `push`; it returns every complete top-level value seen so far. OVSDB only sends
 * objects at the top level, so a value ends when its outermost brace or bracket closes.
 */
export class JsonValueSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** Position in `pending` up to which the scanner state below is valid. */
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxValueChars = 64 * 1024 * 1024) {}

  push(chunk: Buffer | string): unknown[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const values: unknown[] = [];
    let start = 0;
    for (let i = this.scanned; i < this.pending.length; i++) {
      const ch = this.pending[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') this.depth++;
      else if (ch === '}' || ch === ']') {
        this.depth--;
        if (this.depth < 0) throw new JsonStreamError(`unbalanced '${ch}' in JSON stream`);
        if (this.depth === 0) {
          values.push(this.parse(this.pending.slice(start, i + 1)));
          start = i + 1;
        }
      } else if (this.depth === 0 && !/\s/.test(ch ?? '')) {
        throw new JsonStreamError(`unexpected '${ch}' between JSON values`);
      }
    }
    this.pending = this.pending.slice(start);
    this.scanned = this.pending.length;
    if (this.pending.length > this.maxValueChars) {
      throw new JsonStreamError(`JSON value larger than ${this.maxValueChars} characters`);
    }
    return values;
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new JsonStreamError(`invalid JSON value: ${(err as Error).message}`);
    }
  }
}
