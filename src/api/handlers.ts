// The API methods: each validates its request (schemas.ts), calls the attachment service or the
// native dataplane, and returns a message (convert.ts). Transport concerns live in server.ts.
import type { DaemonAttachmentService } from '../attachments/attachment-service.js';
import type { ReconcileReport } from '../attachments/reconcile.js';
import type { SocketOwnership } from '../backends/backend.js';
import type { NativeBackend } from '../backends/native/index.js';
import type { NativeDataplane } from '../backends/native/dataplane.js';
import { PktbridgeError } from '../errors.js';
import type { EventBus } from '../events.js';
import {
  attachmentMessage,
  backendStatusMessages,
  bridgeMessage,
  portMessage,
  portStatsMessage,
  reconcileMessage,
  workerMessage,
} from './convert.js';
import * as schemas from './schemas.js';

export interface ApiContext {
  service: DaemonAttachmentService;
  native?: NativeBackend;
  events: EventBus;
  version: string;
  startedAt: number;
  apiSocket: string;
  socketRoot: string;
  stateDir: string;
  noHuge: boolean;
  socketOwnership: SocketOwnership;
  reconcileReport: () => ReconcileReport | undefined;
}

type Unary = (ctx: ApiContext, request: unknown) => Promise<object>;

function dataplane(ctx: ApiContext): NativeDataplane {
  if (!ctx.native)
    throw new PktbridgeError('FAILED_PRECONDITION', 'ports need the native backend, which is not enabled');
  return ctx.native.dataplane;
}

function bridgeReply(plane: NativeDataplane, name: string) {
  const bridge = plane.bridgeList().find((b) => b.name === name);
  return bridge ? bridgeMessage(bridge) : { name, ports: [], implicit: false };
}

export function statsReply(ctx: ApiContext, ports: string[]) {
  const plane = dataplane(ctx);
  return {
    ports: plane.stats(ports).map(portStatsMessage),
    workers: plane.workers().map(workerMessage),
    at: Date.now(),
  };
}

export const unaryHandlers: Record<string, Unary> = {
  async Health(ctx, request) {
    schemas.parseEmpty(request);
    const backends = backendStatusMessages(await ctx.service.status());
    return { serving: backends.every((b) => b.ready), backends };
  },

  async Version(_ctx, request) {
    schemas.parseEmpty(request);
    return { version: _ctx.version, api: 'pktbridge.v1', node: process.version };
  },

  async Status(ctx, request) {
    schemas.parseEmpty(request);
    return {
      version: ctx.version,
      pid: process.pid,
      uptime_seconds: (Date.now() - ctx.startedAt) / 1000,
      api_socket: ctx.apiSocket,
      socket_root: ctx.socketRoot,
      state_dir: ctx.stateDir,
      backends: backendStatusMessages(await ctx.service.status()),
      attachments: ctx.service.list().length,
      ports: ctx.native ? ctx.native.dataplane.ports().length : 0,
      workers: ctx.native ? ctx.native.dataplane.workers().map(workerMessage) : [],
      reconcile: reconcileMessage(ctx.reconcileReport()),
      no_huge: ctx.noHuge,
    };
  },

  async CreateAttachment(ctx, request) {
    const input = schemas.parseCreateAttachment(request);
    const record = await ctx.service.attach({ ...input, socketOwnership: ctx.socketOwnership });
    return attachmentMessage(record);
  },

  async DeleteAttachment(ctx, request) {
    const removed = await ctx.service.detach(schemas.parseAttachmentKey(request));
    return { existed: removed !== undefined, attachment: removed ? attachmentMessage(removed) : undefined };
  },

  async ListAttachments(ctx, request) {
    schemas.parseEmpty(request);
    return { attachments: ctx.service.list().map(attachmentMessage) };
  },

  async AddPort(ctx, request) {
    const spec = schemas.parseAddPort(request);
    const plane = dataplane(ctx);
    await plane.addPort(spec, { kind: 'api' });
    return portMessage(plane.port(spec.name)!);
  },

  async DeletePort(ctx, request) {
    const name = schemas.parsePortName(request);
    const plane = dataplane(ctx);
    const port = plane.port(name);
    if (!port) throw new PktbridgeError('NOT_FOUND', `port ${name} does not exist`, { field: 'name' });
    if (port.owner.kind === 'attachment') {
      throw new PktbridgeError(
        'FAILED_PRECONDITION',
        `name: port ${name} belongs to attachment ${port.owner.attachmentId}; delete the attachment instead`,
        { field: 'name' },
      );
    }
    await plane.removePort(name);
    return {};
  },

  async ListPorts(ctx, request) {
    schemas.parseEmpty(request);
    return { ports: ctx.native ? ctx.native.dataplane.ports().map(portMessage) : [] };
  },

  async AddXconnect(ctx, request) {
    const { a, b } = schemas.parseXconnect(request);
    await dataplane(ctx).connect(a, b);
    return { a, b };
  },

  async DeleteXconnect(ctx, request) {
    const port = schemas.parsePortField(request);
    const peer = await dataplane(ctx).disconnect(port);
    return { a: port, b: peer };
  },

  async CreateBridge(ctx, request) {
    const name = schemas.parseBridgeName(request);
    const plane = dataplane(ctx);
    await plane.createBridge(name);
    return bridgeReply(plane, name);
  },

  async DeleteBridge(ctx, request) {
    await dataplane(ctx).deleteBridge(schemas.parseBridgeName(request));
    return {};
  },

  async BridgeAddPort(ctx, request) {
    const { bridge, port } = schemas.parseBridgePort(request);
    const plane = dataplane(ctx);
    await plane.bridgeAddPort(bridge, port);
    return bridgeReply(plane, bridge);
  },

  async BridgeRemovePort(ctx, request) {
    const port = schemas.parsePortField(request);
    const plane = dataplane(ctx);
    const bridge = await plane.bridgeRemovePort(port);
    return bridgeReply(plane, bridge);
  },

  async ListBridges(ctx, request) {
    schemas.parseEmpty(request);
    return { bridges: ctx.native ? ctx.native.dataplane.bridgeList().map(bridgeMessage) : [] };
  },

  async GetStats(ctx, request) {
    return statsReply(ctx, schemas.parseGetStats(request).ports);
  },
};
