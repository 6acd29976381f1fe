// The daemon's CNI endpoint: a unix socket the vhost-cni shim connects to, one call per connection.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { AttachmentService } from '../attachments/service.js';
import type { Logger } from '../log.js';
import { handleCniCall } from './dispatch.js';
import {
  defaultExecHelperBinary,
  startExecHelper,
  type ExecHelper,
  type PluginRunner,
} from './plugin-runner.js';
import { decodeRequest, encodeReply, MAX_REQUEST_BYTES, ProtocolError } from './protocol.js';

export interface CniServerOptions {
  socketPath: string;
  service: AttachmentService;
  log: Logger;
  /** Bound on one IPAM plugin exec (default 30 s). */
  ipamTimeoutMs?: number;
  /** A client must send its whole request within this time (default 10 s). */
  requestTimeoutMs?: number;
  /**
   * The IPAM exec helper binary (vhost-cni/build/vhost-cni-exec by default, when built); `false` spawns
   * plugins directly from the daemon (slower: the fork copies the daemon's page tables).
   */
  execHelper?: string | false;
}

export interface CniServer {
  close(): Promise<void>;
}

function serveConnection(
  socket: Socket,
  options: CniServerOptions,
  runPlugin: PluginRunner | undefined,
): void {
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
      ipamTimeoutMs: options.ipamTimeoutMs,
      runPlugin,
    }).then((reply) => socket.end(encodeReply(reply)));
  });
}

export async function startCniServer(options: CniServerOptions): Promise<CniServer> {
  await mkdir(dirname(options.socketPath), { recursive: true, mode: 0o755 });
  // A socket file left by a previous daemon would make listen() fail with EADDRINUSE.
  await rm(options.socketPath, { force: true });
  const helperBinary =
    options.execHelper === false ? undefined : (options.execHelper ?? defaultExecHelperBinary());
  let helper: ExecHelper | undefined;
  if (helperBinary) {
    // The helper is an optimisation: without it IPAM plugins are spawned directly.
    helper = await startExecHelper(helperBinary, `${options.socketPath}.exec`, options.log).catch(
      (err: unknown) => {
        options.log.warn(
          { err: String(err) },
          'IPAM exec helper did not start: IPAM plugins are spawned directly',
        );
        return undefined;
      },
    );
  } else {
    options.log.warn('vhost-cni-exec not built (bash vhost-cni/build.sh): IPAM plugins are spawned directly');
  }
  const connections = new Set<Socket>();
  // Half-open: the shim shuts down its write side after the request and still reads the reply.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    serveConnection(socket, options, helper?.run);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      void helper?.close();
      reject(err);
    });
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
      await helper?.close();
      await rm(options.socketPath, { force: true });
    },
  };
}
