// The OVS-DPDK backend: each attachment is a vhost-user port on a netdev bridge, made and removed
// with OVSDB transactions, and reported ready only once ovs-vswitchd has given it an ofport.
import type { Logger } from '../../log.js';
import { PktbridgeError, toPktbridgeError } from '../../errors.js';
import {
  withRollback,
  type AttachmentRecord,
  type AttachmentResult,
  type AttachSpec,
  type Backend,
  type BackendStatus,
  type OwnedObject,
} from '../backend.js';
import { resolveOvsConfig, type OvsDefaults, type ResolvedOvsConfig } from './config.js';
import { OvsdbSessions, type OvsdbSession } from './sessions.js';
import { ensureSocketDir, removeDirIfEmpty } from './socketDir.js';
import {
  addPortOps,
  ATTACHMENT_KEY,
  externalIdsFor,
  OWNER_KEY,
  OWNER_VALUE,
  portNameFor,
} from './transactions.js';
import { OPEN_VSWITCH_DB } from './ovsdbClient.js';
import { map, mapEntries, optional } from './ovsdbDatum.js';

/** What detach and restore need beyond the spec, kept in the record's `restore`. */
interface OvsRestoreState {
  db: string;
  bridge: string;
  portName: string;
  createdSocketDir: boolean;
}

export class OvsBackend implements Backend {
  readonly name = 'ovs-dpdk' as const;

  constructor(
    private readonly defaults: OvsDefaults,
    private readonly sessions: OvsdbSessions,
    private readonly log: Logger,
  ) {}

  async attach(spec: AttachSpec): Promise<AttachmentResult> {
    if (spec.iface.type !== 'vhost-user') {
      throw new PktbridgeError(
        'INVALID_ARGUMENT',
        `interface.type: the ovs-dpdk backend supports vhost-user, not ${spec.iface.type}`,
        {
          field: 'interface.type',
        },
      );
    }
    const config = resolveOvsConfig(spec.backendConfig, this.defaults, spec);
    const portName = portNameFor(spec.id);
    if (config.portType === 'dpdkvhostuserclient' && (!spec.socketDir || !spec.socketPath)) {
      throw new PktbridgeError(
        'INVALID_ARGUMENT',
        'socketPath: dpdkvhostuserclient needs the attachment socket path',
      );
    }
    return withRollback(
      async (rollback) => {
        const session = await this.sessions.get(config.db);
        let createdSocketDir = false;
        if (config.portType === 'dpdkvhostuserclient' && spec.socketDir) {
          createdSocketDir = await ensureSocketDir(spec.socketDir, spec.socketOwnership);
          const dir = spec.socketDir;
          if (createdSocketDir) rollback.add(`socket dir ${dir}`, () => removeDirIfEmpty(dir));
        }
        await this.addPort(session, spec, config, portName, (what, undo) => rollback.add(what, undo));
        const socketPath =
          config.portType === 'dpdkvhostuserclient'
            ? (spec.socketPath as string)
            : `${config.vhostSockDir}/${portName}`;
        const restore: OvsRestoreState = { db: config.db, bridge: config.bridge, portName, createdSocketDir };
        this.log.info({ attachmentId: spec.id, portName, bridge: config.bridge }, 'ovs port attached');
        return {
          socketPath,
          ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
          // Described from the pod's side: OVS as vhost-user client means the pod's app serves.
          deviceInfo: {
            type: 'vhost-user',
            version: '1.1.0',
            'vhost-user': {
              mode: config.portType === 'dpdkvhostuserclient' ? 'server' : 'client',
              path: socketPath,
            },
          },
          objects: [{ backend: this.name, kind: 'ovs-port', ref: portName, attachmentId: spec.id }],
          restore: { ...restore },
        };
      },
      (failure) =>
        this.log.error({ what: failure.what, err: failure.error }, 'ovs attach rollback step failed'),
    );
  }

  async detach(record: AttachmentRecord): Promise<void> {
    const state = this.restoreState(record);
    const session = await this.sessions.get(state.db);
    await session.deletePortByName(state.portName);
    if (state.createdSocketDir && record.spec.socketDir) await removeDirIfEmpty(record.spec.socketDir);
    this.log.info({ attachmentId: record.spec.id, portName: state.portName }, 'ovs port detached');
  }

  async check(record: AttachmentRecord): Promise<void> {
    const state = this.restoreState(record);
    const session = await this.sessions.get(state.db);
    const port = await session.findPort(state.portName);
    if (!port)
      throw new PktbridgeError(
        'NOT_FOUND',
        `OVS port ${state.portName} of attachment ${record.spec.id} is missing`,
      );
    const iface = session.interfaces.get(state.portName);
    if (iface?.error !== undefined) {
      throw new PktbridgeError('FAILED_PRECONDITION', `OVS interface ${state.portName}: ${iface.error}`, {
        ovsError: iface.error,
      });
    }
    if (iface?.ofport === undefined || iface.ofport <= 0) {
      throw new PktbridgeError(
        'FAILED_PRECONDITION',
        `OVS interface ${state.portName} has no ofport (ovs-vswitchd not running?)`,
      );
    }
  }

  async list(): Promise<OwnedObject[]> {
    const objects: OwnedObject[] = [];
    for (const session of await this.sessions.reachable(this.defaults.db)) {
      const rows = await session.client.select(
        OPEN_VSWITCH_DB,
        'Port',
        [['external_ids', 'includes', map({ [OWNER_KEY]: OWNER_VALUE })]],
        ['name', 'external_ids'],
      );
      for (const row of rows) {
        const attachmentId = mapEntries(row['external_ids'])[ATTACHMENT_KEY];
        objects.push({
          backend: this.name,
          kind: 'ovs-port',
          ref: String(row['name']),
          ...(attachmentId ? { attachmentId } : {}),
        });
      }
    }
    return objects;
  }

  async restore(record: AttachmentRecord): Promise<void> {
    const state = this.restoreState(record);
    const session = await this.sessions.get(state.db);
    if (await session.findPort(state.portName)) return;
    const config = resolveOvsConfig(record.spec.backendConfig, this.defaults, record.spec);
    await withRollback((rollback) =>
      this.addPort(session, record.spec, config, state.portName, (what, undo) => rollback.add(what, undo)),
    );
    this.log.info({ attachmentId: record.spec.id, portName: state.portName }, 'ovs port restored');
  }

  async removeOrphan(object: OwnedObject): Promise<void> {
    if (object.kind !== 'ovs-port') return;
    for (const session of await this.sessions.reachable(this.defaults.db))
      await session.deletePortByName(object.ref);
  }

  async status(): Promise<BackendStatus> {
    try {
      const session = await this.sessions.get(this.defaults.db);
      const [row] = await session.client.select(
        OPEN_VSWITCH_DB,
        'Open_vSwitch',
        [],
        ['dpdk_initialized', 'ovs_version', 'dpdk_version'],
      );
      const dpdkInitialized = row?.['dpdk_initialized'] === true;
      const details = {
        db: this.defaults.db,
        dpdkInitialized,
        ovsVersion: optional<string>(row?.['ovs_version']),
        dpdkVersion: optional<string>(row?.['dpdk_version']),
      };
      return dpdkInitialized
        ? {
            ready: true,
            message: `OVS ${details.ovsVersion ?? ''} with DPDK at ${this.defaults.db}`.replace('  ', ' '),
            details,
          }
        : {
            ready: false,
            message: `ovs-vswitchd at ${this.defaults.db} has not initialised DPDK (other_config:dpdk-init=true?)`,
            details,
          };
    } catch (err) {
      return { ready: false, message: toPktbridgeError(err).message, details: { db: this.defaults.db } };
    }
  }

  async close(): Promise<void> {
    await this.sessions.close();
  }

  /** Bridge (made if configured), then the port in one transaction, then ovs-vswitchd's verdict. */
  private async addPort(
    session: OvsdbSession,
    spec: AttachSpec,
    config: ResolvedOvsConfig,
    portName: string,
    onUndo: (what: string, undo: () => Promise<void>) => void,
  ): Promise<void> {
    const bridge = await session.findOrCreateBridge(config.bridge, config.createBridge, onUndo);
    await session.deleteStalePort(portName, spec.id);
    await session.client.transact(
      OPEN_VSWITCH_DB,
      addPortOps(bridge, config.bridge, {
        portName,
        portType: config.portType,
        ...(config.portType === 'dpdkvhostuserclient' ? { serverSocketPath: spec.socketPath } : {}),
        ...((config.tag ?? spec.vlan) !== undefined ? { tag: config.tag ?? spec.vlan } : {}),
        ...(config.trunks ? { trunks: config.trunks } : {}),
        ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
        ...(config.nRxq !== undefined ? { nRxq: config.nRxq } : {}),
        externalIds: externalIdsFor(spec),
      }),
    );
    onUndo(`ovs port ${portName}`, () => session.deletePortByName(portName));
    await session.interfaces.waitUntilReady(portName, config.attachTimeoutMs);
  }

  private restoreState(record: AttachmentRecord): OvsRestoreState {
    const saved = record.result.restore as Partial<OvsRestoreState> | undefined;
    if (saved?.db && saved.portName && saved.bridge) {
      return {
        db: saved.db,
        bridge: saved.bridge,
        portName: saved.portName,
        createdSocketDir: saved.createdSocketDir === true,
      };
    }
    const config = resolveOvsConfig(record.spec.backendConfig, this.defaults, record.spec);
    return {
      db: config.db,
      bridge: config.bridge,
      portName: portNameFor(record.spec.id),
      createdSocketDir: false,
    };
  }
}
