// One JSON-RPC 1.0 session over a stream socket as OVSDB speaks it (RFC 7047 §4): requests with
// ids, replies, notifications, answering the server's "echo", and an echo keepalive of our own.
import { connect, type Socket } from 'node:net';
import { PktbridgeError } from '../../errors.js';
import { JsonValueSplitter } from './jsonStream.js';

/** Where ovsdb-server listens: `unix:/path/db.sock` or `tcp:host:port`. */
export type OvsdbRemote = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export function parseRemote(remote: string): OvsdbRemote {
  if (remote.startsWith('unix:')) return { kind: 'unix', path: remote.slice(5) };
  const tcp = /^tcp:(\[[^\]]+\]|[^:]+):(\d+)$/.exec(remote);
  if (tcp) return { kind: 'tcp', host: (tcp[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  throw new PktbridgeError('INVALID_ARGUMENT', `ovs.db: "${remote}" is not unix:PATH or tcp:HOST:PORT`, {
    field: 'ovs.db',
  });
}

export interface JsonRpcConnectionOptions {
  remote: string;
  connectTimeoutMs: number;
  /** Send an echo after this long without traffic; close if it is not answered within as long again. */
  echoIntervalMs: number;
  onNotification: (method: string, params: unknown) => void;
  onClose: (reason: Error) => void;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type Message = { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };

export class JsonRpcConnection {
  private readonly pending = new Map<number, Pending>();
  private readonly splitter = new JsonValueSplitter();
  private nextId = 1;
  private lastTraffic = Date.now();
  private echoOutstanding = false;
  private keepalive: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly options: JsonRpcConnectionOptions,
  ) {}

  /** Connects, or rejects with UNAVAILABLE naming the remote and the socket error. */
  static open(options: JsonRpcConnectionOptions): Promise<JsonRpcConnection> {
    const remote = parseRemote(options.remote);
    return new Promise((resolve, reject) => {
      const socket =
        remote.kind === 'unix'
          ? connect({ path: remote.path })
          : connect({ host: remote.host, port: remote.port });
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(
          new PktbridgeError('UNAVAILABLE', `cannot reach ovsdb-server at ${options.remote}: ${err.message}`),
        );
      };
      const timer = setTimeout(
        () => fail(new Error(`no connection after ${options.connectTimeoutMs} ms`)),
        options.connectTimeoutMs,
      );
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        const connection = new JsonRpcConnection(socket, options);
        connection.start();
        resolve(connection);
      });
    });
  }

  /** Sends a request and resolves with its `result`; rejects with the server's error or on timeout. */
  request(method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
    if (this.closed)
      return Promise.reject(
        new PktbridgeError('UNAVAILABLE', `ovsdb connection to ${this.options.remote} is closed`),
      );
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new PktbridgeError(
            'TIMEOUT',
            `ovsdb ${method} got no reply from ${this.options.remote} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ method, params, id });
    });
  }

  close(reason = new Error('closed by client')): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    this.socket.destroy();
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(
        new PktbridgeError(
          'UNAVAILABLE',
          `ovsdb connection to ${this.options.remote} lost: ${reason.message}`,
        ),
      );
      this.pending.delete(id);
    }
    this.options.onClose(reason);
  }

  private start(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.lastTraffic = Date.now();
      try {
        for (const value of this.splitter.push(chunk)) this.dispatch(value as Message);
      } catch (err) {
        this.close(err as Error);
      }
    });
    this.socket.on('error', (err) => this.close(err));
    this.socket.on('close', () => this.close(new Error('socket closed by peer')));
    this.keepalive = setInterval(() => this.probe(), Math.max(50, this.options.echoIntervalMs / 2));
    this.keepalive.unref();
  }

  /** Our side of the keepalive: an echo when idle; a second idle period unanswered means the peer is dead. */
  private probe(): void {
    if (Date.now() - this.lastTraffic < this.options.echoIntervalMs) return;
    if (this.echoOutstanding) {
      this.close(new Error(`no echo reply within ${this.options.echoIntervalMs} ms`));
      return;
    }
    this.echoOutstanding = true;
    this.request('echo', ['pktbridge'], this.options.echoIntervalMs * 2).then(
      () => (this.echoOutstanding = false),
      () => undefined,
    );
  }

  private dispatch(message: Message): void {
    if (typeof message.method === 'string') {
      if (message.method === 'echo' && message.id !== undefined && message.id !== null) {
        this.send({ result: message.params, error: null, id: message.id });
      } else if (message.id === null || message.id === undefined) {
        this.options.onNotification(message.method, message.params);
      }
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending || typeof message.id !== 'number') return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error !== null && message.error !== undefined) {
      const text = typeof message.error === 'string' ? message.error : JSON.stringify(message.error);
      pending.reject(
        new PktbridgeError('INTERNAL', `ovsdb-server error: ${text}`, { ovsdbError: message.error }),
      );
    } else {
      pending.resolve(message.result);
    }
  }

  private send(message: object): void {
    this.socket.write(JSON.stringify(message));
  }
}
