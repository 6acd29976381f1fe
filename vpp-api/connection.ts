// A client connection to VPP's API socket: sockclnt_create handshake and message table, the
// connect-time CRC check, request/reply by context, dumps ended by control_ping_reply, events,
// keepalive replies, timeouts, bounded outstanding requests, sockclnt_delete and reconnect.
import { EventEmitter } from 'node:events';
import { Codec, type CodecOptions, type MessageValue } from './codec.js';
import { bundledDefinitions, type Definitions } from './definitions.js';
import { VppApiError } from './errors.js';
import {
  MessageTable,
  incompatibilityError,
  type CompatibilityReport,
  type MessageTableEntry,
} from './message-table.js';
import { describeRetval } from './retval.js';
import { FRAME_HEADER_SIZE, SocketTransport } from './transport.js';
import { RequestSlots, PendingRequests } from './pending.js';

export const DEFAULT_API_SOCKET = '/run/vpp/api.sock';
const SOCKCLNT_CREATE_ID = 15;
const SOCKCLNT_CREATE_REPLY_ID = 16;
/** What the connection itself sends or answers; always checked. */
const CORE_MESSAGES = ['control_ping', 'memclnt_keepalive', 'memclnt_keepalive_reply', 'sockclnt_delete'];

/** pino-compatible, so the daemon can pass its logger without vpp-api importing it. */
export interface VppLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ConnectionOptions {
  socketPath?: string;
  /** Loaded .api.json definitions; default: the copy bundled with vpp-api. */
  definitions?: Definitions;
  codecOptions?: CodecOptions;
  clientName?: string;
  /** Messages the caller will use, checked as name_crc at connect time (replies are added). */
  requiredMessages?: readonly string[];
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxOutstanding?: number;
  /** Reconnect after an unexpected close, with exponential backoff; false disables. */
  reconnect?: false | { initialDelayMs?: number; maxDelayMs?: number };
  log?: VppLogger;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Reject with a RETVAL error when the reply's retval is negative (default true). */
  checkRetval?: boolean;
}

export type EventHandler = (event: MessageValue) => void;

export type ConnectionState = 'connected' | 'reconnecting' | 'closed';

/**
 * Emits 'disconnected' (error), 'reconnected' (), 'reconnect-failed' (error) and 'closed' ().
 * Use `VppConnection.connect()`.
 */
export class VppConnection extends EventEmitter {
  readonly codec: Codec;
  private transport: SocketTransport | undefined;
  private table: MessageTable | undefined;
  private index = 0;
  private nextContext = 1;
  private readonly pending = new PendingRequests();
  private readonly slots: RequestSlots;
  private readonly subscribers = new Map<string, Set<EventHandler>>();
  private readonly required: string[];
  private stateValue: ConnectionState = 'closed';
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closedByUser = false;
  private handshake: { reply(payload: Buffer): void; fail(error: VppApiError): void } | undefined;

  private constructor(private readonly options: ConnectionOptions & { socketPath: string }) {
    super();
    this.codec = new Codec(options.definitions ?? bundledDefinitions(), options.codecOptions);
    this.slots = new RequestSlots(options.maxOutstanding ?? 64);
    this.required = [...new Set([...CORE_MESSAGES, ...(options.requiredMessages ?? [])])];
  }

  /** Connects, builds the message table and checks every required message; throws CRC_MISMATCH etc. */
  static async connect(options: ConnectionOptions): Promise<VppConnection> {
    const connection = new VppConnection({
      ...options,
      socketPath: options.socketPath ?? DEFAULT_API_SOCKET,
    });
    await connection.open();
    return connection;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The client index VPP assigned (the `index` of sockclnt_create_reply). */
  get clientIndex(): number {
    return this.index;
  }

  get messageTable(): MessageTable {
    if (!this.table) throw new VppApiError('CLOSED', 'not connected to VPP');
    return this.table;
  }

  /** Compatibility of the given messages (default: the required ones) with the connected VPP. */
  compatibility(names: readonly string[] = this.required): CompatibilityReport {
    return this.messageTable.check(names);
  }

  /** Sends a request and resolves with its reply (matched by context). */
  async request(name: string, args: MessageValue = {}, options: RequestOptions = {}): Promise<MessageValue> {
    const replies = await this.exchange(name, args, false, options);
    const reply = replies[0]!;
    if ((options.checkRetval ?? true) && typeof reply.retval === 'number' && reply.retval < 0) {
      throw new VppApiError('RETVAL', `${name}: VPP returned ${describeRetval(reply.retval)}`, {
        message: name,
        retval: reply.retval,
        reply,
      });
    }
    return reply;
  }

  /** Sends a *_dump followed by control_ping with the same context; resolves with every detail. */
  dump(name: string, args: MessageValue = {}, options: RequestOptions = {}): Promise<MessageValue[]> {
    return this.exchange(name, args, true, options);
  }

  /** Routes events (messages without a context, e.g. sw_interface_event) to `handler`; returns an unsubscribe. */
  subscribe(eventName: string, handler: EventHandler): () => void {
    const set = this.subscribers.get(eventName) ?? new Set<EventHandler>();
    set.add(handler);
    this.subscribers.set(eventName, set);
    return () => set.delete(handler);
  }

  /** Sends sockclnt_delete (VPP answers response 1 and closes), then closes the socket. No reconnect. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    clearTimeout(this.reconnectTimer);
    this.closedByUser = true;
    const wasConnected = this.stateValue === 'connected';
    this.stateValue = 'closed';
    if (wasConnected && this.transport && !this.transport.isClosed) {
      try {
        await this.exchange('sockclnt_delete', { index: this.index }, false, { timeoutMs: 1000 }, true);
      } catch (err) {
        this.options.log?.debug({ err }, 'sockclnt_delete got no reply');
      }
    }
    await this.transport?.close();
    this.pending.rejectAll(new VppApiError('CLOSED', 'connection closed by the client'));
    this.emit('closed');
  }

  private async exchange(
    name: string,
    args: MessageValue,
    isDump: boolean,
    options: RequestOptions,
    closing = false,
  ): Promise<MessageValue[]> {
    const codec = this.codec.message(name);
    const replyName = this.codec.defs.services.get(name)?.reply ?? `${name}_reply`;
    await this.slots.acquire();
    try {
      // Checked after waiting for a slot: the connection may have dropped or been rebuilt meanwhile.
      if (this.stateValue !== 'connected' && !closing) {
        throw new VppApiError('CLOSED', `cannot send ${name}: not connected to VPP (${this.stateValue})`, {
          message: name,
        });
      }
      const table = this.messageTable;
      const id = table.id(name);
      const pingId = isDump ? table.id('control_ping') : 0;
      const transport = this.transport!;
      const context = this.allocateContext();
      const frame = codec.encode(
        { ...args, _vl_msg_id: id, client_index: this.index, context },
        FRAME_HEADER_SIZE,
      );
      const done = this.pending.add(
        context,
        name,
        replyName,
        isDump,
        options.timeoutMs ?? this.options.requestTimeoutMs ?? 5000,
      );
      try {
        await transport.sendFrame(frame);
        if (isDump) {
          const ping = { _vl_msg_id: pingId, client_index: this.index, context };
          await transport.sendFrame(this.codec.message('control_ping').encode(ping, FRAME_HEADER_SIZE));
        }
      } catch (err) {
        // The request never left: fail it now rather than at its timeout (`done` then rejects with err).
        this.pending.fail(context, err instanceof VppApiError ? err : new VppApiError('CLOSED', String(err)));
      }
      return await done;
    } finally {
      this.slots.release();
    }
  }

  private allocateContext(): number {
    do {
      this.nextContext = this.nextContext >= 0xffffffff ? 1 : this.nextContext + 1;
    } while (this.pending.has(this.nextContext));
    return this.nextContext;
  }

  private async open(): Promise<void> {
    const transport = await SocketTransport.connect(
      this.options.socketPath,
      { onFrame: (payload) => this.onFrame(payload), onClose: (error) => this.onClose(transport, error) },
      { connectTimeoutMs: this.options.connectTimeoutMs },
    );
    this.transport = transport;
    try {
      const reply = await this.sockclntCreate(transport);
      const table = new MessageTable(reply.message_table as MessageTableEntry[], this.codec);
      if (this.closedByUser) throw new VppApiError('CLOSED', 'connection closed by the client');
      const report = table.check(this.required);
      if (!report.compatible) throw incompatibilityError(report.incompatible);
      this.table = table;
      this.index = reply.index as number;
      this.stateValue = 'connected';
      this.options.log?.info(
        { socket: this.options.socketPath, clientIndex: this.index, messages: table.size },
        'connected to VPP',
      );
    } catch (err) {
      transport.destroy();
      throw err;
    }
  }

  private async sockclntCreate(transport: SocketTransport): Promise<MessageValue> {
    const create = this.codec.message('sockclnt_create');
    const context = this.allocateContext();
    const timeoutMs = this.options.connectTimeoutMs ?? 5000;
    const replied = new Promise<MessageValue>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.handshake = undefined;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new VppApiError('TIMEOUT', `no sockclnt_create_reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.handshake = {
        reply: (payload) => {
          finish();
          try {
            const reply = this.codec.message('sockclnt_create_reply').decode(payload);
            if (reply.response !== 0)
              reject(
                new VppApiError('CONNECT', `sockclnt_create failed: response ${String(reply.response)}`),
              );
            else resolve(reply);
          } catch (err) {
            reject(err);
          }
        },
        fail: (error) => {
          finish();
          reject(
            new VppApiError(
              'CLOSED',
              `VPP closed the API socket during the handshake: ${error.message}`,
              undefined,
              { cause: error },
            ),
          );
        },
      };
    });
    await transport.send(
      create.encode({
        _vl_msg_id: SOCKCLNT_CREATE_ID,
        context,
        name: this.options.clientName ?? 'pktbridge',
      }),
    );
    return replied;
  }

  private onFrame(payload: Buffer): void {
    if (payload.length < 2) return;
    const id = payload.readUInt16BE(0);
    if (this.handshake) {
      if (id === SOCKCLNT_CREATE_REPLY_ID) this.handshake.reply(payload);
      return;
    }
    const codec = this.table?.codecOf(id);
    if (!codec) {
      this.options.log?.warn({ id, length: payload.length }, 'dropped a frame with an unknown message id');
      return;
    }
    let message: MessageValue;
    try {
      message = codec.decode(payload);
    } catch (err) {
      const off = codec.contextOffset;
      if (off !== undefined && payload.length >= off + 4)
        this.pending.fail(payload.readUInt32BE(off), err as VppApiError);
      this.options.log?.warn({ err, message: codec.def.name }, 'dropped a frame that does not decode');
      return;
    }
    const name = codec.def.name;
    if (name === 'memclnt_keepalive') return this.answerKeepalive(message);
    if (!codec.hasContext) {
      for (const handler of this.subscribers.get(name) ?? []) {
        // A failing subscriber must not take the socket down with it.
        try {
          handler(message);
        } catch (err) {
          this.options.log?.warn({ err, event: name }, 'event handler threw');
        }
      }
      return;
    }
    const context = message.context as number;
    if (!this.pending.deliver(context, name, message)) {
      this.options.log?.debug({ message: name, context }, 'dropped a reply nobody waits for (timed out?)');
    }
  }

  private answerKeepalive(keepalive: MessageValue): void {
    const reply = this.codec.message('memclnt_keepalive_reply');
    const payload = reply.encode({
      _vl_msg_id: this.messageTable.id('memclnt_keepalive_reply'),
      context: keepalive.context,
      retval: 0,
    });
    this.transport
      ?.send(payload)
      .catch((err: unknown) => this.options.log?.warn({ err }, 'keepalive reply failed'));
  }

  private onClose(transport: SocketTransport, error: VppApiError | undefined): void {
    if (transport !== this.transport) return;
    const reason = error ?? new VppApiError('CLOSED', 'VPP closed the API socket');
    this.handshake?.fail(reason);
    this.pending.rejectAll(reason);
    if (this.stateValue !== 'connected') return;
    this.table = undefined;
    this.options.log?.warn({ err: reason }, 'lost the VPP API connection');
    this.emit('disconnected', reason);
    if (this.options.reconnect === false) {
      this.stateValue = 'closed';
      this.emit('closed');
      return;
    }
    this.stateValue = 'reconnecting';
    this.scheduleReconnect(this.options.reconnect?.initialDelayMs ?? 200);
  }

  private scheduleReconnect(delayMs: number): void {
    const maxDelayMs = (this.options.reconnect || undefined)?.maxDelayMs ?? 5000;
    this.reconnectTimer = setTimeout(() => {
      this.open().then(
        () => this.emit('reconnected'),
        (err: unknown) => {
          if (this.stateValue === 'closed') return;
          this.emit('reconnect-failed', err);
          this.scheduleReconnect(Math.min(delayMs * 2, maxDelayMs));
        },
      );
    }, delayMs);
  }
}
