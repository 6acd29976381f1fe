// Framing: reassembly across reads of any size, coalesced frames, the frame-size limit, back-pressure.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { FrameReassembler, SocketTransport, frameHeader } from '../../../vpp-api/transport.js';

const frame = (payload: Buffer): Buffer => Buffer.concat([frameHeader(payload.length), payload]);

describe('FrameReassembler', () => {
  it('yields the same payloads however the byte stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
          const out: string[] = [];
          const reassembler = new FrameReassembler((payload) => out.push(payload.toString('hex')));
          let off = 0;
          for (let i = 0; off < stream.length; i++) {
            const size = cuts[i % cuts.length]!;
            reassembler.push(stream.subarray(off, off + size));
            off += size;
          }
          expect(out).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
          expect(reassembler.buffered).toBe(0);
        },
      ),
    );
  });

  it('splits coalesced frames delivered in one read, ignoring the q and gc_mark fields', () => {
    const out: string[] = [];
    const reassembler = new FrameReassembler((payload) => out.push(payload.toString()));
    const junk = frame(Buffer.from('b'));
    junk.write('c0a4043001000000', 0, 'hex');
    reassembler.push(Buffer.concat([frame(Buffer.from('a')), junk, frame(Buffer.alloc(0))]));
    expect(out).toEqual(['a', 'b', '']);
  });

  it('refuses a length field beyond the frame-size limit', () => {
    const reassembler = new FrameReassembler(() => undefined, 1024);
    expect(() => reassembler.push(frameHeader(4096))).toThrow(
      /frame length 4096 exceeds the limit of 1024 bytes/,
    );
  });
});

describe('SocketTransport', () => {
  let dir: string | undefined;
  let server: net.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
    server = undefined;
    dir = undefined;
  });

  it('waits for drain when the peer stops reading, and resumes when it reads again', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vpp-transport-'));
    const socketPath = path.join(dir, 'api.sock');
    let peer: net.Socket | undefined;
    server = net.createServer((socket) => {
      peer = socket;
      socket.pause();
    });
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
    const transport = await SocketTransport.connect(socketPath, {
      onFrame: () => undefined,
      onClose: () => undefined,
    });
    const big = Buffer.alloc(256 * 1024);
    let sent = 0;
    let blocked = false;
    while (sent < 200) {
      const send = transport.send(big).then(() => true);
      const done = await Promise.race([send, new Promise((resolve) => setTimeout(() => resolve(false), 50))]);
      if (!done) {
        blocked = true;
        peer!.resume();
        await send;
        break;
      }
      sent++;
    }
    expect(blocked).toBe(true);
    expect(sent).toBeLessThan(200);
    await transport.close();
    peer?.destroy();
  });

  it('rejects connecting to a socket nobody listens on with CLOSED', async () => {
    await expect(
      SocketTransport.connect('/nonexistent/vpp/api.sock', {
        onFrame: () => undefined,
        onClose: () => undefined,
      }),
    ).rejects.toMatchObject({
      code: 'CLOSED',
    });
  });
});
