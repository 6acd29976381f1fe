// Benchmark peer: a VPP stand-in in its own process that answers from captured VPP frames —
// sockclnt_create_reply (the real message table), control_ping_reply, and sw_interface_dump with
// N copies of the captured sw_interface_details — patching only the context. Usage: <socket> <N>.
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

interface Frame {
  dir: string;
  msg: string;
  hex: string;
}

const [socketPath, interfacesArg] = process.argv.slice(2);
if (!socketPath) throw new Error('usage: replay-server.ts <socket> [interfaces]');
const interfaceCount = Number(interfacesArg ?? 100);
const capturesDir = path.join(
  process.env.PKTBRIDGE_SHARED_DIR ?? path.resolve(import.meta.dirname, '../../../shared'),
  'vpp/captures',
);
const frames = (file: string): Frame[] =>
  (JSON.parse(readFileSync(path.join(capturesDir, file), 'utf8')) as { frames: Frame[] }).frames;
const captured = (file: string, msg: string): Buffer =>
  Buffer.from(frames(file).find((f) => f.msg.startsWith(msg))!.hex, 'hex');

const createReply = captured('connect.json', 'sockclnt_create_reply_');
const pingReply = captured('show-version.json', 'control_ping_reply_');
const details = captured('vhost-lifecycle.json', 'sw_interface_details_');
const ids = (() => {
  const raw = frames('vhost-lifecycle.json');
  const id = (msg: string): number =>
    Buffer.from(raw.find((f) => f.msg.startsWith(msg))!.hex, 'hex').readUInt16BE(16);
  return { ping: id('control_ping_'), dump: id('sw_interface_dump_'), delete: id('sockclnt_delete_') };
})();
const deleteReply = captured('connect.json', 'sockclnt_delete_reply_');

/** A reply frame with its context (payload offset 2 for these replies) set to `context`. */
function withContext(frame: Buffer, context: number, offset = 2): Buffer {
  const copy = Buffer.from(frame);
  copy.writeUInt32BE(context, 16 + offset);
  return copy;
}

const server = net.createServer((socket) => {
  let buffered: Buffer = Buffer.alloc(0);
  let dumpContext = -1;
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    const out: Buffer[] = [];
    let off = 0;
    while (buffered.length - off >= 16 && buffered.length - off >= 16 + buffered.readUInt32BE(off + 8)) {
      const length = buffered.readUInt32BE(off + 8);
      const payload = buffered.subarray(off + 16, off + 16 + length);
      off += 16 + length;
      const id = payload.readUInt16BE(0);
      if (id === 15) out.push(withContext(createReply, payload.readUInt32BE(2), 6));
      else if (id === ids.dump) dumpContext = payload.readUInt32BE(6);
      else if (id === ids.ping) {
        const context = payload.readUInt32BE(6);
        if (context === dumpContext)
          for (let i = 0; i < interfaceCount; i++) out.push(withContext(details, context));
        out.push(withContext(pingReply, context));
      } else if (id === ids.delete) {
        out.push(withContext(deleteReply, payload.readUInt32BE(6)));
        socket.end(Buffer.concat(out));
        return;
      }
    }
    buffered = buffered.subarray(off);
    if (out.length) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  });
});
rmSync(socketPath, { force: true });
server.listen(socketPath, () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
