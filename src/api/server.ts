// The gRPC server on a unix socket (mode 0660): request ids and logs per call, errors → status codes,
// and the two server-streaming methods (stats watch, events).
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { PktbridgeError, toPktbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { eventMessage } from './convert.js';
import { statsReply, unaryHandlers, type ApiContext } from './handlers.js';
import { isDecodeFailure, loadApi } from './proto.js';
import * as schemas from './schemas.js';
import { grpcStatusOf } from './status-codes.js';

export interface ApiServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

function toServiceError(err: unknown, requestId: string): Partial<grpc.StatusObject> {
  const error = toPktbridgeError(err);
  const metadata = new grpc.Metadata();
  metadata.set('request-id', requestId);
  metadata.set('pktbridge-code', error.code);
  return { code: grpcStatusOf[error.code], details: error.message, metadata };
}

/** Ends a server stream with the error's status (grpc-js sends an emitted 'error' as the status). */
function failStream(call: grpc.ServerWritableStream<unknown, object>, err: unknown, requestId: string): void {
  call.emit('error', toServiceError(err, requestId));
}

/** Throws INVALID_ARGUMENT for a request the wire check rejected. */
function rejectUndecodable(request: unknown): void {
  if (isDecodeFailure(request)) {
    const { field, message } = request.decodeFailure;
    throw new PktbridgeError('INVALID_ARGUMENT', `${field}: ${message}`, { field });
  }
}

export interface ApiServerOptions {
  socketPath: string;
  context: ApiContext;
  log: Logger;
  /** Called with the gRPC error code of every failed call (metrics). */
  onError?: (code: string) => void;
}

async function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { socketPath, context, log } = options;
  const { service } = loadApi();
  const server = new grpc.Server();
  const implementation: grpc.UntypedServiceImplementation = {};
  /** Open watch streams, ended at shutdown so the server can stop without waiting on them. */
  const streams = new Set<grpc.ServerWritableStream<unknown, object>>();
  const track = (call: grpc.ServerWritableStream<unknown, object>, onEnd: () => void): void => {
    streams.add(call);
    const done = () => {
      streams.delete(call);
      onEnd();
    };
    call.on('cancelled', done);
    call.on('close', done);
  };

  for (const [method, handler] of Object.entries(unaryHandlers)) {
    implementation[method] = (
      call: grpc.ServerUnaryCall<unknown, object>,
      callback: grpc.sendUnaryData<object>,
    ) => {
      const requestId = randomUUID();
      const callLog = log.child({ requestId, method });
      const started = performance.now();
      (async () => {
        rejectUndecodable(call.request);
        return handler(context, call.request);
      })().then(
        (reply) => {
          callLog.debug({ ms: performance.now() - started }, 'call done');
          callback(null, reply);
        },
        (err: unknown) => {
          const error = toPktbridgeError(err);
          options.onError?.(error.code);
          const level = error.code === 'INTERNAL' ? 'error' : 'info';
          callLog[level](
            { code: error.code, err: error.message, ms: performance.now() - started },
            'call failed',
          );
          callback(toServiceError(error, requestId));
        },
      );
    };
  }

  implementation.WatchStats = (call: grpc.ServerWritableStream<unknown, object>) => {
    const requestId = randomUUID();
    try {
      rejectUndecodable(call.request);
      const { ports, intervalMs } = schemas.parseWatchStats(call.request);
      const send = () => call.write(statsReply(context, ports));
      send();
      const timer = setInterval(() => {
        try {
          send();
        } catch (err) {
          clearInterval(timer);
          failStream(call, err, requestId);
        }
      }, intervalMs);
      track(call, () => clearInterval(timer));
    } catch (err) {
      options.onError?.(toPktbridgeError(err).code);
      failStream(call, err, requestId);
    }
  };

  implementation.WatchEvents = (call: grpc.ServerWritableStream<unknown, object>) => {
    const requestId = randomUUID();
    try {
      rejectUndecodable(call.request);
      schemas.parseEmpty(call.request);
    } catch (err) {
      options.onError?.(toPktbridgeError(err).code);
      failStream(call, err, requestId);
      return;
    }
    const unsubscribe = context.events.subscribe((event) => call.write(eventMessage(event)));
    track(call, unsubscribe);
    // Headers now tell the client it is subscribed: nothing published from here on is missed.
    call.sendMetadata(new grpc.Metadata());
  };

  server.addService(service, implementation);

  if (await socketInUse(socketPath)) {
    throw new PktbridgeError('FAILED_PRECONDITION', `${socketPath} is in use: is another daemon running?`);
  }
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o755 });
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    );
  });
  await chmod(socketPath, 0o660);
  return {
    socketPath,
    async close() {
      for (const call of streams) call.end();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await rm(socketPath, { force: true });
    },
  };
}
