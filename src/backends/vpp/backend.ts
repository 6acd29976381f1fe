// The `vpp` backend: attachments are VPP memif or vhost-user interfaces, tagged with the attachment
// id, brought up and joined to a bridge domain or cross-connected; re-created after a VPP restart.
import { rm } from 'node:fs/promises';
import type { VppConnection } from '../../../vpp-api/connection.js';
import type { Definitions } from '../../../vpp-api/definitions.js';
import * as l2 from '../../../vpp-api/features/l2.js';
import * as interfaces from '../../../vpp-api/features/interfaces.js';
import { bindings } from '../../../vpp-api/index.js';
import { PktbridgeError, toPktbridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import {
  withRollback,
  type AttachmentRecord,
  type AttachmentResult,
  type AttachSpec,
  type Backend,
  type BackendStatus,
  type OwnedObject,
} from '../backend.js';
import { podDeviceInfo } from '../device-info.js';
import {
  createAttachment,
  objectRef,
  parseObjectRef,
  removeInterface,
  taggedInterfaces,
} from './attachment.js';
import { apiSocketOf, bridgeDomainId } from './config.js';
import { ConnectionPool } from './connections.js';
import { vppError } from './errors.js';
import { SerialQueue } from './serial.js';

export interface VppBackendOptions {
  /** Default API socket (daemon config `vpp.apiSocket`); a network may override it. */
  apiSocket: string;
  log: Logger;
  /** Definitions to speak with; default the bundled copy (e.g. load /usr/share/vpp/api instead). */
  definitions?: Definitions;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

export class VppBackend implements Backend {
  readonly name = 'vpp' as const;
  private readonly pool: ConnectionPool;
  /** Attachments on record (attached, checked or restored here), re-created after a VPP restart. */
  private readonly known = new Map<string, AttachSpec>();
  private readonly serial = new SerialQueue();

  constructor(private readonly options: VppBackendOptions) {
    this.pool = new ConnectionPool({
      log: options.log,
      definitions: options.definitions,
      requestTimeoutMs: options.requestTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      reconnect: options.reconnect,
      onReconnected: (apiSocket, connection) => void this.recreateAfterRestart(apiSocket, connection),
    });
  }

  private socketOf(spec: AttachSpec): string {
    return apiSocketOf(spec, this.options.apiSocket);
  }

  async attach(spec: AttachSpec): Promise<AttachmentResult> {
    const apiSocket = this.socketOf(spec);
    const conn = await this.pool.get(apiSocket);
    const created = await this.serial.run(apiSocket, () =>
      withRollback(
        (rollback) => createAttachment(conn, spec, apiSocket, rollback),
        (failure) =>
          this.options.log.error(
            { err: failure.error, step: failure.what, attachment: spec.id },
            'vpp attach undo failed',
          ),
      ),
    );
    this.known.set(spec.id, spec);
    this.options.log.info(
      { attachment: spec.id, swIfIndex: created.swIfIndex, apiSocket },
      'vpp attachment created',
    );
    return {
      socketPath: spec.socketPath,
      mac: spec.mac,
      mtu: spec.mtu,
      deviceInfo: podDeviceInfo(spec.iface, spec.socketPath),
      objects: created.objects,
      restore: created.restore,
    };
  }

  /** Finds the interface by its tag (indexes change when VPP restarts) and removes it in reverse order. */
  async detach(record: AttachmentRecord): Promise<void> {
    const spec = record.spec;
    const apiSocket = this.socketOf(spec);
    const conn = await this.pool.get(apiSocket);
    try {
      await this.serial.run(apiSocket, async () => {
        const details = (await taggedInterfaces(conn)).get(spec.id);
        if (details) await removeInterface(conn, details, this.options.log);
      });
    } catch (err) {
      throw vppError(err, `detach ${spec.id}`);
    }
    this.known.delete(spec.id);
    // A memif master's socket file outlives the interface in VPP; the path is the attachment's own.
    if (spec.socketPath && spec.iface.type === 'memif' && spec.iface.role === 'server')
      await rm(spec.socketPath, { force: true });
  }

  async check(record: AttachmentRecord): Promise<void> {
    const spec = record.spec;
    const conn = await this.pool.get(this.socketOf(spec));
    this.known.set(spec.id, spec);
    try {
      const details = (await taggedInterfaces(conn)).get(spec.id);
      if (!details)
        throw new PktbridgeError('NOT_FOUND', `VPP has no interface tagged for attachment ${spec.id}`);
      if (!interfaces.isAdminUp(details)) {
        throw new PktbridgeError(
          'FAILED_PRECONDITION',
          `VPP interface ${details.interface_name} of attachment ${spec.id} is admin down`,
        );
      }
      if (spec.connect.kind === 'bridge') {
        const bdId = bridgeDomainId(spec.connect.bridge);
        const bd = await l2.bridgeDomain(conn, bdId);
        if (!bd?.sw_if_details.some((m) => m.sw_if_index === details.sw_if_index)) {
          throw new PktbridgeError(
            'FAILED_PRECONDITION',
            `VPP interface ${details.interface_name} is not in bridge domain ${bdId}`,
          );
        }
      } else if (spec.connect.kind === 'xconnect') {
        const xconnect = (await l2.listXconnects(conn)).find((x) => x.rx_sw_if_index === details.sw_if_index);
        const peer = await interfaces.interfaceByName(conn, spec.connect.peer);
        if (!xconnect || xconnect.tx_sw_if_index !== peer?.sw_if_index) {
          throw new PktbridgeError(
            'FAILED_PRECONDITION',
            `VPP interface ${details.interface_name} is not cross-connected to ${spec.connect.peer}`,
          );
        }
      }
    } catch (err) {
      throw vppError(err, `check ${spec.id}`);
    }
  }

  /** Every tagged interface on every VPP this backend has talked to, plus the default one. */
  async list(): Promise<OwnedObject[]> {
    const sockets = new Set([this.options.apiSocket, ...this.pool.sockets()]);
    const out: OwnedObject[] = [];
    for (const apiSocket of sockets) {
      const conn = await this.pool.get(apiSocket);
      try {
        for (const [attachmentId, details] of await taggedInterfaces(conn)) {
          const kind = details.interface_dev_type === 'memif' ? 'memif' : 'vhost-user';
          out.push({ backend: 'vpp', kind, ref: objectRef(apiSocket, details.sw_if_index), attachmentId });
        }
      } catch (err) {
        throw vppError(err, `list interfaces of VPP at ${apiSocket}`);
      }
    }
    return out;
  }

  async restore(record: AttachmentRecord): Promise<void> {
    this.known.set(record.spec.id, record.spec);
    try {
      await this.check(record);
      return;
    } catch (err) {
      this.options.log.info(
        { attachment: record.spec.id, reason: toPktbridgeError(err).message },
        're-creating vpp attachment',
      );
    }
    await this.detach(record);
    await this.attach(record.spec);
  }

  async removeOrphan(object: OwnedObject): Promise<void> {
    const { apiSocket, swIfIndex } = parseObjectRef(object.ref);
    const conn = await this.pool.get(apiSocket);
    try {
      await this.serial.run(apiSocket, async () => {
        const details = (await interfaces.listInterfaces(conn)).find((d) => d.sw_if_index === swIfIndex);
        // Only remove what still carries the orphan's tag: the index may have been reused since list().
        if (details && details.tag.startsWith(`pktbridge:${object.attachmentId ?? ''}`))
          await removeInterface(conn, details, this.options.log);
      });
    } catch (err) {
      throw vppError(err, `remove orphan ${object.ref}`);
    }
  }

  /** Ready when the default VPP is connected and every core message has the expected CRC. */
  async status(): Promise<BackendStatus> {
    const apiSocket = this.options.apiSocket;
    let conn: VppConnection;
    try {
      conn = await this.pool.get(apiSocket);
    } catch (err) {
      return { ready: false, message: toPktbridgeError(err).message, details: { apiSocket } };
    }
    if (conn.state !== 'connected')
      return { ready: false, message: `VPP at ${apiSocket} is ${conn.state}`, details: { apiSocket } };
    const compat = ConnectionPool.compatibility(conn);
    const details: Record<string, unknown> = {
      apiSocket,
      clientIndex: conn.clientIndex,
      messages: conn.messageTable.size,
      incompatible: [
        ...compat.core.incompatible,
        ...compat.memif.incompatible,
        ...compat.vhostUser.incompatible,
      ],
      memif: compat.memif.compatible,
      vhostUser: compat.vhostUser.compatible,
    };
    try {
      details.version = (await bindings.vpe.showVersion(conn)).version;
    } catch (err) {
      details.versionError = toPktbridgeError(err).message;
    }
    const ready = compat.core.compatible && (compat.memif.compatible || compat.vhostUser.compatible);
    const message = ready
      ? `connected to VPP ${String(details.version ?? '')} at ${apiSocket}`
      : `VPP at ${apiSocket} is incompatible`;
    return { ready, message, details };
  }

  /** After VPP restarted, its interfaces are gone: re-create every known attachment on that VPP. */
  private async recreateAfterRestart(apiSocket: string, conn: VppConnection): Promise<void> {
    const log = this.options.log.child({ apiSocket });
    const tagged = await taggedInterfaces(conn).catch(() => new Map());
    for (const spec of [...this.known.values()].filter((s) => this.socketOf(s) === apiSocket)) {
      if (tagged.has(spec.id)) continue;
      try {
        await this.serial.run(apiSocket, () =>
          withRollback((rollback) => createAttachment(conn, spec, apiSocket, rollback)),
        );
        log.info({ attachment: spec.id }, 're-created vpp attachment after VPP restart');
      } catch (err) {
        log.error({ err, attachment: spec.id }, 'could not re-create vpp attachment after VPP restart');
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.closeAll();
  }
}
