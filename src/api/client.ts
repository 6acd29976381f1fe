// A small promise-based client of the daemon's gRPC API (used by the CLI, tests and benchmarks).
import * as grpc from '@grpc/grpc-js';
import type {
  attachmentMessage,
  bridgeMessage,
  eventMessage,
  portMessage,
  portStatsMessage,
  reconcileMessage,
  workerMessage,
} from './convert.js';
import { loadApi } from './proto.js';

export type AttachmentMessage = ReturnType<typeof attachmentMessage>;
export type PortMessage = ReturnType<typeof portMessage>;
export type BridgeMessage = ReturnType<typeof bridgeMessage>;
export type PortStatsMessage = ReturnType<typeof portStatsMessage>;
export type WorkerMessage = ReturnType<typeof workerMessage>;
export type EventMessage = ReturnType<typeof eventMessage>;
export interface StatsMessage {
  ports: PortStatsMessage[];
  workers: WorkerMessage[];
  at: number;
}
export interface BackendStatusMessage {
  name: string;
  ready: boolean;
  message: string;
}
export interface StatusMessage {
  version: string;
  pid: number;
  uptime_seconds: number;
  api_socket: string;
  socket_root: string;
  state_dir: string;
  backends: BackendStatusMessage[];
  attachments: number;
  ports: number;
  workers: WorkerMessage[];
  reconcile: NonNullable<ReturnType<typeof reconcileMessage>> | null;
  no_huge: boolean;
}

/** Reply type of each unary method. */
export interface Replies {
  Health: { serving: boolean; backends: BackendStatusMessage[] };
  Version: { version: string; api: string; node: string };
  Status: StatusMessage;
  CreateAttachment: AttachmentMessage;
  DeleteAttachment: { existed: boolean; attachment: AttachmentMessage | null };
  ListAttachments: { attachments: AttachmentMessage[] };
  AddPort: PortMessage;
  DeletePort: Record<string, never>;
  ListPorts: { ports: PortMessage[] };
  AddXconnect: { a: string; b: string };
  DeleteXconnect: { a: string; b: string };
  CreateBridge: BridgeMessage;
  DeleteBridge: Record<string, never>;
  BridgeAddPort: BridgeMessage;
  BridgeRemovePort: BridgeMessage;
  ListBridges: { bridges: BridgeMessage[] };
  GetStats: StatsMessage;
}

export type UnaryMethod = keyof Replies;

export interface ApiClient {
  call<M extends UnaryMethod>(method: M, request?: object, timeoutMs?: number): Promise<Replies[M]>;
  watchStats(request: { ports?: string[]; interval_ms?: number }): grpc.ClientReadableStream<StatsMessage>;
  watchEvents(): grpc.ClientReadableStream<EventMessage>;
  close(): void;
}

type RawClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export function createApiClient(socketPath: string): ApiClient {
  const { Client } = loadApi('client');
  const raw = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure()) as unknown as RawClient;
  return {
    call(method, request = {}, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + timeoutMs);
        raw[method]!.call(raw, request, { deadline }, (err: grpc.ServiceError | null, reply: unknown) =>
          err ? reject(err) : resolve(reply as never),
        );
      });
    },
    watchStats(request) {
      return raw.WatchStats!.call(raw, request) as grpc.ClientReadableStream<StatsMessage>;
    },
    watchEvents() {
      return raw.WatchEvents!.call(raw, {}) as grpc.ClientReadableStream<EventMessage>;
    },
    close() {
      raw.close();
    },
  };
}

export function isServiceError(err: unknown): err is grpc.ServiceError {
  return typeof err === 'object' && err !== null && 'code' in err && 'details' in err;
}
