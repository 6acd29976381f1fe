// One OVSDB connection (with its Interface monitor) per database a network names, opened lazily, and
// the bridge/port lookups the backend runs on it.
import type { Logger } from '../../log.js';
import { PktbridgeError } from '../../errors.js';
import { OPEN_VSWITCH_DB, OvsdbClient, type OvsdbClientOptions } from './ovsdbClient.js';
import { InterfaceWatcher } from './interfaceWatcher.js';
import { mapEntries, set, setAtoms, uuid, uuidOf } from './ovsdbDatum.js';
import { ATTACHMENT_KEY, createBridgeOps, deletePortOps } from './transactions.js';

export interface OvsdbSession {
  readonly db: string;
  readonly client: OvsdbClient;
  readonly interfaces: InterfaceWatcher;
  findPort(name: string): Promise<{ uuid: string; interfaces: string[]; attachmentId?: string } | undefined>;
  /** Deletes the port and its interfaces in one transaction; a missing port is not an error. */
  deletePortByName(name: string): Promise<void>;
  /** Removes a port left by an earlier, interrupted attach of the same attachment. */
  deleteStalePort(name: string, attachmentId: string): Promise<void>;
  /** The bridge's UUID; creates it (netdev) if allowed, registering its undo via `onUndo`. */
  findOrCreateBridge(
    name: string,
    create: boolean,
    onUndo: (what: string, undo: () => Promise<void>) => void,
  ): Promise<string>;
}

class Session implements OvsdbSession {
  constructor(
    readonly db: string,
    readonly client: OvsdbClient,
    readonly interfaces: InterfaceWatcher,
    private readonly log: Logger,
  ) {}

  async findPort(
    name: string,
  ): Promise<{ uuid: string; interfaces: string[]; attachmentId?: string } | undefined> {
    const [row] = await this.client.select(
      OPEN_VSWITCH_DB,
      'Port',
      [['name', '==', name]],
      ['_uuid', 'interfaces', 'external_ids'],
    );
    const portUuid = uuidOf(row?.['_uuid']);
    if (!row || !portUuid) return undefined;
    const interfaces = setAtoms(row['interfaces'])
      .map(uuidOf)
      .filter((u): u is string => u !== undefined);
    const attachmentId = mapEntries(row['external_ids'])[ATTACHMENT_KEY];
    return { uuid: portUuid, interfaces, ...(attachmentId ? { attachmentId } : {}) };
  }

  async deletePortByName(name: string): Promise<void> {
    const port = await this.findPort(name);
    if (!port) return;
    await this.client.transact(OPEN_VSWITCH_DB, deletePortOps(port.uuid, port.interfaces, name));
  }

  async deleteStalePort(name: string, attachmentId: string): Promise<void> {
    const port = await this.findPort(name);
    if (!port) return;
    if (port.attachmentId !== attachmentId) {
      throw new PktbridgeError(
        'ALREADY_EXISTS',
        `OVS port ${name} exists and belongs to ${port.attachmentId ?? 'someone else'}`,
      );
    }
    this.log.warn({ portName: name, attachmentId }, 'removing a stale OVS port left by an earlier attach');
    await this.client.transact(OPEN_VSWITCH_DB, deletePortOps(port.uuid, port.interfaces, name));
  }

  async findOrCreateBridge(
    name: string,
    create: boolean,
    onUndo: (what: string, undo: () => Promise<void>) => void,
  ): Promise<string> {
    const existing = await this.bridgeUuid(name);
    if (existing) return existing;
    if (!create) {
      throw new PktbridgeError(
        'NOT_FOUND',
        `OVS bridge "${name}" does not exist in ${this.db} (create it, or set ovs.createBridge)`,
        {
          field: 'ovs.bridge',
        },
      );
    }
    try {
      const results = await this.client.transact(OPEN_VSWITCH_DB, createBridgeOps(name));
      const bridgeUuid = uuidOf(results[2]?.uuid);
      const localPortUuid = uuidOf(results[1]?.uuid);
      if (!bridgeUuid || !localPortUuid)
        throw new PktbridgeError('INTERNAL', `OVSDB returned no UUID for new bridge ${name}`);
      this.log.info({ bridge: name }, 'created OVS netdev bridge');
      onUndo(`ovs bridge ${name}`, () => this.deleteBridgeIfUnused(bridgeUuid, localPortUuid));
      return bridgeUuid;
    } catch (err) {
      // Another attach created it first: the name index refused our insert.
      if (err instanceof PktbridgeError && err.code === 'ALREADY_EXISTS') {
        const raced = await this.bridgeUuid(name);
        if (raced) return raced;
      }
      throw err;
    }
  }

  private async bridgeUuid(name: string): Promise<string | undefined> {
    const [row] = await this.client.select(OPEN_VSWITCH_DB, 'Bridge', [['name', '==', name]], ['_uuid']);
    return uuidOf(row?.['_uuid']);
  }

  /** Drops a bridge this attach created, unless another attach has added a port to it since. */
  private async deleteBridgeIfUnused(bridgeUuid: string, localPortUuid: string): Promise<void> {
    try {
      await this.client.transact(OPEN_VSWITCH_DB, [
        {
          op: 'wait',
          table: 'Bridge',
          where: [['_uuid', '==', uuid(bridgeUuid)]],
          columns: ['ports'],
          until: '==',
          rows: [{ ports: set([uuid(localPortUuid)]) }],
          timeout: 0,
        },
        // Bridge, Port and Interface are not root tables: unreferenced rows are garbage-collected.
        {
          op: 'mutate',
          table: 'Open_vSwitch',
          where: [],
          mutations: [['bridges', 'delete', set([uuid(bridgeUuid)])]],
        },
      ]);
    } catch (err) {
      if (err instanceof PktbridgeError && err.code === 'FAILED_PRECONDITION') return; // in use now: keep it
      throw err;
    }
  }
}

export class OvsdbSessions {
  private readonly sessions = new Map<string, Promise<OvsdbSession>>();

  constructor(private readonly clientOptions: Omit<OvsdbClientOptions, 'remote'>) {}

  /** The session for `db`, connecting on first use; a failed connect is retried on the next call. */
  get(db: string): Promise<OvsdbSession> {
    let session = this.sessions.get(db);
    if (!session) {
      session = this.open(db);
      this.sessions.set(db, session);
      session.catch(() => this.sessions.delete(db));
    }
    return session;
  }

  /** `defaultDb` plus every database opened so far that can be reached now. */
  async reachable(defaultDb: string): Promise<OvsdbSession[]> {
    const dbs = new Set([defaultDb, ...this.sessions.keys()]);
    const settled = await Promise.allSettled([...dbs].map((db) => this.get(db)));
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.sessions.values());
    this.sessions.clear();
    for (const s of all) if (s.status === 'fulfilled') await s.value.client.close();
  }

  private async open(db: string): Promise<OvsdbSession> {
    const log = this.clientOptions.log.child({ ovsdb: db });
    const client = await OvsdbClient.connect({ ...this.clientOptions, remote: db, log });
    try {
      return new Session(db, client, await InterfaceWatcher.start(client), log);
    } catch (err) {
      await client.close();
      throw err;
    }
  }
}
