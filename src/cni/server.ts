// The daemon's CNI endpoint: a unix socket the vhost-cni shim connects to, one call per connection.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { AttachmentService } from '../attachments/service.js';
import type { Logger } from '../log.js';
import { handleCniCall } from './dispatch.js';
import { decodeRequest, encodeReply, MAX_REQUEST_BYTES, ProtocolError } from './protocol.js';

export interface CniServerOptions {
  socketPath: string;
  service: AttachmentService;
  log: Logger;
  /** Bound on one IPAM plugin exec (default 30 s). */
  ipamTimeoutMs?: number;
  /** A client must send its whole request within this time (default 10 s). */
  requestTimeoutMs?: number;
}

export interface CniServer {
  close(): Promise<void>;
}

function serveConnection(socket: Socket, options: CniServerOptions): void {
  const log = options.log.child({ requestId: randomUUID() });
  let buffer = Buffer.alloc(0);
  let handled = false;
  socket.setTimeout(options.requestTimeoutMs ?? 10_000, () => {
    if (!handled) socket.destroy();
  });
  socket.on('error', (err) => log.debug({ err }, 'CNI client connection error'));
  socket.on('data', (chunk: Buffer) => {
    if (handled) return;
    buffer = Buffer.concat([buffer, chunk]);
    let invocation;
    try {
      if (buffer.length > MAX_REQUEST_BYTES) throw new ProtocolError('request too large');
      invocation = decodeRequest(buffer);
    } catch (err) {
      log.warn({ err }, 'malformed CNI request');
      socket.destroy();
      return;
    }
    if (invocation === undefined) return;
    handled = true;
    socket.setTimeout(0);
    void handleCniCall(invocation, {
      service: options.service,
      log,
      ...(options.ipamTimeoutMs === undefined ? {} : { ipamTimeoutMs: options.ipamTimeoutMs }),
    }).then((reply) => socket.end(encodeReply(reply)));
  });
}

export async function startCniServer(options: CniServerOptions): Promise<CniServer> {
  await mkdir(dirname(options.socketPath), { recursive: true, mode: 0o755 });
  // A socket file left by a previous daemon would make listen() fail with EADDRINUSE.
  await rm(options.socketPath, { force: true });
  const connections = new Set<Socket>();
  // Half-open: the shim shuts down its write side after the request and still reads the reply.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    serveConnection(socket, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Only root (the runtime that execs the shim) may drive attachments.
  await chmod(options.socketPath, 0o600);
  options.log.info({ socketPath: options.socketPath }, 'CNI server listening');
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of connections) socket.destroy();
      await closed;
      await rm(options.socketPath, { force: true });
    },
  };
}
