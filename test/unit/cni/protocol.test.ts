import { describe, expect, it } from 'vitest';
import {
  decodeRequest,
  encodeReply,
  encodeRequest,
  MAGIC,
  ProtocolError,
} from '../../../src/cni/protocol.js';

const invocation = { env: { CNI_COMMAND: 'ADD', CNI_ARGS: 'A=b=c;D=' }, stdin: '{"name":"é"}' };

describe('shim wire protocol v1', () => {
  it('round-trips a request, keeping "=" inside values and UTF-8 stdin', () => {
    expect(decodeRequest(encodeRequest(invocation))).toEqual(invocation);
  });

  it('returns undefined for every strict prefix of a request (more bytes needed)', () => {
    const bytes = encodeRequest(invocation);
    for (let length = 0; length < bytes.length; length++) {
      expect(decodeRequest(bytes.subarray(0, length))).toBeUndefined();
    }
  });

  it('rejects bytes that are not a request', () => {
    expect(() => decodeRequest(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(ProtocolError);
  });

  it('rejects an absurd environment count and an entry without "="', () => {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(1_000_000);
    expect(() => decodeRequest(Buffer.concat([MAGIC, count]))).toThrow(/too many/);
    const one = Buffer.alloc(4);
    one.writeUInt32BE(1);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(5);
    expect(() => decodeRequest(Buffer.concat([MAGIC, one, len, Buffer.from('NOEQ_')]))).toThrow(/KEY=VALUE/);
  });

  it('encodes a reply as magic, exit code, length, stdout', () => {
    const reply = encodeReply({ exitCode: 1, stdout: '{}' });
    expect(reply.subarray(0, 4).toString()).toBe('PBC1');
    expect(reply.readUInt32BE(4)).toBe(1);
    expect(reply.readUInt32BE(8)).toBe(2);
    expect(reply.subarray(12).toString()).toBe('{}');
  });
});
