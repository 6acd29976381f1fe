// One VppConnection per API socket (networks may name different VPPs), connected on first use, with
// the backend's messages checked at connect time and reconnects reported to the backend.
import { VppConnection } from '../../../vpp-api/connection.js';
import type { Definitions } from '../../../vpp-api/definitions.js';
import { INTERFACE_MESSAGES } from '../../../vpp-api/features/interfaces.js';
import { L2_MESSAGES } from '../../../vpp-api/features/l2.js';
import { MEMIF_MESSAGES } from '../../../vpp-api/features/memif.js';
import { VHOST_MESSAGES } from '../../../vpp-api/features/vhost.js';
import type { CompatibilityReport } from '../../../vpp-api/message-table.js';
import type { Logger } from '../../log.js';
import { vppError } from './errors.js';

/** Needed for any attachment; without them the backend is not ready. */
export const CORE_MESSAGES = [...INTERFACE_MESSAGES, ...L2_MESSAGES, 'show_version'];
/** Per interface type; a VPP without the plugin can still serve the other type. */
export const FEATURE_MESSAGES = { memif: MEMIF_MESSAGES, 'vhost-user': VHOST_MESSAGES } as const;

export interface ConnectionPoolOptions {
  log: Logger;
  definitions?: Definitions;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Called after a connection came back (VPP restarted): re-create what VPP lost. */
  onReconnected(apiSocket: string, connection: VppConnection): void;
}

export class ConnectionPool {
  private readonly connections = new Map<string, Promise<VppConnection>>();

  constructor(private readonly options: ConnectionPoolOptions) {}

  /** The connection to `apiSocket`, connecting when needed; UNAVAILABLE / INCOMPATIBLE on failure. */
  async get(apiSocket: string): Promise<VppConnection> {
    let pending = this.connections.get(apiSocket);
    if (!pending) {
      pending = this.open(apiSocket);
      this.connections.set(apiSocket, pending);
      // A failed connect is forgotten, so the next call tries again.
      pending.catch(() => this.connections.delete(apiSocket));
    }
    const connection = await pending;
    if (connection.state === 'closed') {
      this.connections.delete(apiSocket);
      return this.get(apiSocket);
    }
    return connection;
  }

  /** Sockets with a live or reconnecting connection. */
  sockets(): string[] {
    return [...this.connections.keys()];
  }

  /** Compatibility of every message the backend may send, per interface type. */
  static compatibility(connection: VppConnection): {
    core: CompatibilityReport;
    memif: CompatibilityReport;
    vhostUser: CompatibilityReport;
  } {
    return {
      core: connection.compatibility(CORE_MESSAGES),
      memif: connection.compatibility(FEATURE_MESSAGES.memif),
      vhostUser: connection.compatibility(FEATURE_MESSAGES['vhost-user']),
    };
  }

  private async open(apiSocket: string): Promise<VppConnection> {
    const log = this.options.log.child({ apiSocket });
    try {
      const connection = await VppConnection.connect({
        socketPath: apiSocket,
        definitions: this.options.definitions,
        clientName: 'pktbridge',
        requiredMessages: CORE_MESSAGES,
        requestTimeoutMs: this.options.requestTimeoutMs,
        connectTimeoutMs: this.options.connectTimeoutMs,
        reconnect: this.options.reconnect ?? {},
        log,
      });
      connection.on('reconnected', () => this.options.onReconnected(apiSocket, connection));
      connection.on('reconnect-failed', (err: unknown) => log.debug({ err }, 'VPP reconnect attempt failed'));
      return connection;
    } catch (err) {
      throw vppError(err, `connect to VPP at ${apiSocket}`);
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const pending of all) {
      const connection = await pending.catch(() => undefined);
      await connection?.close();
    }
  }
}
