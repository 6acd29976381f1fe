// OVSDB client (RFC 7047): transact with per-operation error reporting, monitors that survive a
// reconnect, echo keepalive, and reconnect with backoff after a connection is lost.
import { EventEmitter } from 'node:events';
import type { Logger } from '../../log.js';
import { PktbridgeError, type ErrorCode } from '../../errors.js';
import { JsonRpcConnection } from './jsonRpcConnection.js';
import type { Row } from './ovsdbDatum.js';

export const OPEN_VSWITCH_DB = 'Open_vSwitch';

export type Operation = Record<string, unknown> & {
  op:
    'insert' | 'select' | 'update' | 'mutate' | 'delete' | 'wait' | 'comment' | 'assert' | 'commit' | 'abort';
};
export interface OperationResult {
  uuid?: ['uuid', string];
  rows?: Row[];
  count?: number;
  error?: string;
  details?: string;
}

/** Table name → row UUID → {old, new} as sent by `monitor` (RFC 7047 §4.1.6). */
export type TableUpdates = Record<string, Record<string, { old?: Row; new?: Row }>>;

export interface MonitorRequest {
  columns: string[];
  select?: { initial?: boolean; insert?: boolean; delete?: boolean; modify?: boolean };
}

export interface OvsdbClientOptions {
  remote: string;
  log: Logger;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  echoIntervalMs?: number;
  /** Reconnect delay bounds after a lost connection (doubling from min to max). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

interface MonitorRegistration {
  db: string;
  requests: Record<string, MonitorRequest>;
  /** `initial` is true for the full snapshot sent when the monitor is (re)established. */
  onUpdate: (updates: TableUpdates, initial: boolean) => void;
}

/** Maps an OVSDB operation error (RFC 7047 §4.1.3) to our codes. */
function codeForOvsdbError(error: string): ErrorCode {
  if (error === 'constraint violation') return 'ALREADY_EXISTS';
  if (error === 'timed out') return 'FAILED_PRECONDITION';
  if (error === 'not supported' || error === 'unknown database') return 'INCOMPATIBLE';
  return 'INTERNAL';
}

/**
 * Emits 'connected' (after every (re)connect, monitors re-established) and 'disconnected'. Calls made
 * while disconnected fail at once with UNAVAILABLE, so callers (the CNI path) can report "try again".
 */
export class OvsdbClient extends EventEmitter {
  private connection: JsonRpcConnection | undefined;
  private readonly monitors = new Map<string, MonitorRegistration>();
  private nextMonitorId = 1;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay: number;
  private closing = false;
  readonly remote: string;

  private constructor(private readonly options: OvsdbClientOptions) {
    super();
    this.remote = options.remote;
    this.reconnectDelay = options.reconnectMinMs ?? 250;
  }

  /** Connects once; rejects with UNAVAILABLE if ovsdb-server cannot be reached now. */
  static async connect(options: OvsdbClientOptions): Promise<OvsdbClient> {
    const client = new OvsdbClient(options);
    await client.open();
    return client;
  }

  get connected(): boolean {
    return this.connection !== undefined;
  }

  /** Runs one transaction; throws a PktbridgeError carrying OVSDB's own error and details text. */
  async transact(db: string, operations: Operation[], timeoutMs?: number): Promise<OperationResult[]> {
    const results = (await this.call(
      'transact',
      [db, ...operations],
      timeoutMs,
    )) as (OperationResult | null)[];
    const failed = results.findIndex((r) => r?.error !== undefined);
    if (failed >= 0) {
      const { error = '', details } = results[failed] ?? {};
      const where = failed < operations.length ? `operation ${failed} (${operations[failed]?.op})` : 'commit';
      throw new PktbridgeError(
        codeForOvsdbError(error),
        `OVSDB transaction failed at ${where}: ${error}${details ? `: ${details}` : ''}`,
        {
          ovsdbError: error,
          ovsdbDetails: details,
        },
      );
    }
    return results.map((r) => r ?? {});
  }

  /** Rows matching `where` in `table`. */
  async select(db: string, table: string, where: unknown[][], columns?: string[]): Promise<Row[]> {
    const [result] = await this.transact(db, [
      { op: 'select', table, where, ...(columns ? { columns } : {}) },
    ]);
    return result?.rows ?? [];
  }

  /** Registers a monitor; `onUpdate` first receives the snapshot, and again after each reconnect. */
  async monitor(
    db: string,
    requests: Record<string, MonitorRequest>,
    onUpdate: MonitorRegistration['onUpdate'],
  ): Promise<string> {
    const id = `pktbridge-${this.nextMonitorId++}`;
    const registration = { db, requests, onUpdate };
    // Registered before the request: updates can arrive in the same read as the reply.
    this.monitors.set(id, registration);
    try {
      await this.startMonitor(id, registration);
    } catch (err) {
      this.monitors.delete(id);
      throw err;
    }
    return id;
  }

  async echo(): Promise<void> {
    await this.call('echo', ['pktbridge']);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    // Cleared first so the close is not reported as a lost connection.
    this.connection = undefined;
    connection?.close();
    this.removeAllListeners();
  }

  private call(method: string, params: unknown[], timeoutMs?: number): Promise<unknown> {
    if (!this.connection) {
      return Promise.reject(
        new PktbridgeError('UNAVAILABLE', `not connected to ovsdb-server at ${this.remote} (reconnecting)`),
      );
    }
    return this.connection.request(method, params, timeoutMs ?? this.options.requestTimeoutMs ?? 10_000);
  }

  private async startMonitor(id: string, registration: MonitorRegistration): Promise<void> {
    const snapshot = (await this.call('monitor', [
      registration.db,
      id,
      registration.requests,
    ])) as TableUpdates;
    registration.onUpdate(snapshot, true);
  }

  private async open(): Promise<void> {
    let connection: JsonRpcConnection | undefined;
    connection = await JsonRpcConnection.open({
      remote: this.remote,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 3_000,
      echoIntervalMs: this.options.echoIntervalMs ?? 5_000,
      onNotification: (method, params) => this.onNotification(method, params),
      onClose: (reason) => {
        if (this.connection !== connection) return;
        this.connection = undefined;
        this.options.log.warn({ remote: this.remote, reason: reason.message }, 'ovsdb connection lost');
        this.emit('disconnected', reason);
        this.scheduleReconnect();
      },
    });
    if (this.closing) {
      // close() ran while this reconnect was connecting: do not leave a live socket behind.
      connection.close();
      return;
    }
    this.connection = connection;
    try {
      for (const [id, registration] of this.monitors) await this.startMonitor(id, registration);
    } catch (err) {
      this.connection = undefined;
      connection.close();
      connection = undefined;
      throw err;
    }
    this.reconnectDelay = this.options.reconnectMinMs ?? 250;
    this.emit('connected');
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.options.reconnectMaxMs ?? 8_000);
    this.reconnectTimer = setTimeout(() => {
      this.open().then(
        () => this.options.log.info({ remote: this.remote }, 'ovsdb reconnected'),
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private onNotification(method: string, params: unknown): void {
    if (method !== 'update' || !Array.isArray(params)) return;
    const registration = this.monitors.get(String(params[0]));
    registration?.onUpdate((params[1] ?? {}) as TableUpdates, false);
  }
}
