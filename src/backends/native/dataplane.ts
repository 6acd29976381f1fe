// The daemon's view of the native engine: which ports exist and who owns them, cross-connects and
// bridges (including bridges made implicitly for a network), with engine errors mapped to codes.
import type {
  Engine,
  EngineEvent,
  PortInfo,
  PortSpec,
  PortStats,
  WorkerStats,
} from '../../../native-dpdk/index.js';
import { PktbridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { KeyedLock } from '../../state/locks.js';

/** Who made a port: the API (`api`) or an attachment (its id). */
export type PortOwner = { kind: 'api' } | { kind: 'attachment'; attachmentId: string };

export interface DataplanePort extends PortInfo {
  owner: PortOwner;
  bridge?: string;
  peer?: string;
}

export interface DataplaneBridge {
  name: string;
  ports: string[];
  /** Made for a network's attachments; deleted when its last port leaves. */
  implicit: boolean;
}

export interface NamedPortStats extends PortStats {
  name: string;
}

/** The engine methods the dataplane uses (the real Engine satisfies it). */
export type NativeEngine = Pick<
  Engine,
  | 'addPort'
  | 'removePort'
  | 'connect'
  | 'disconnect'
  | 'createBridge'
  | 'deleteBridge'
  | 'bridgeAddPort'
  | 'bridgeRemovePort'
  | 'ports'
  | 'stats'
  | 'workerStats'
  | 'shutdown'
  | 'on'
  | 'off'
>;

const engineCodes: Record<string, PktbridgeError['code']> = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  NOT_INITIALIZED: 'FAILED_PRECONDITION',
  ALREADY_INITIALIZED: 'FAILED_PRECONDITION',
  SOCKET_FAILED: 'FAILED_PRECONDITION',
  PROBE_FAILED: 'FAILED_PRECONDITION',
  PORT_SETUP_FAILED: 'FAILED_PRECONDITION',
  NO_MEMORY: 'UNAVAILABLE',
};

/** Maps an EngineError (its code, errno kept in details) to a PktbridgeError. */
export function engineError(err: unknown, doing: string): PktbridgeError {
  if (err instanceof PktbridgeError) return err;
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  const mapped = typeof code === 'string' ? (engineCodes[code] ?? 'INTERNAL') : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  return new PktbridgeError(mapped, `${doing}: ${message}`, { engineCode: code, errno }, { cause: err });
}

export class NativeDataplane {
  private readonly owners = new Map<string, PortOwner>();
  private readonly peers = new Map<string, string>();
  private readonly bridgeOf = new Map<string, string>();
  private readonly bridges = new Map<string, DataplaneBridge>();
  /** Engine topology changes are serialised: bridge creation races otherwise. */
  private readonly lock = new KeyedLock();

  constructor(
    private readonly engine: NativeEngine,
    private readonly log: Logger,
    /** RTE_MAX_ETHPORTS of the DPDK build: past it a probe fails with a bare EPERM. */
    private readonly maxPorts = 32,
  ) {}

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.engine.on('event', listener);
    return () => void this.engine.off('event', listener);
  }

  has(name: string): boolean {
    return this.owners.has(name);
  }

  private need(name: string, field = 'name'): void {
    if (!this.owners.has(name))
      throw new PktbridgeError('NOT_FOUND', `port ${name} does not exist`, { field });
  }

  addPort(spec: PortSpec, owner: PortOwner): Promise<PortInfo> {
    return this.serial(async () => {
      if (this.owners.has(spec.name))
        throw new PktbridgeError('ALREADY_EXISTS', `port ${spec.name} already exists`);
      if (this.owners.size >= this.maxPorts) {
        throw new PktbridgeError(
          'FAILED_PRECONDITION',
          `the engine is full: it holds at most ${this.maxPorts} ports (RTE_MAX_ETHPORTS of this DPDK build, config maxPorts)`,
        );
      }
      const info = await this.engine.addPort(spec).catch((err: unknown) => {
        throw engineError(err, `add ${spec.kind} port ${spec.name}`);
      });
      this.owners.set(spec.name, owner);
      return info;
    });
  }

  /** Removes a port, first undoing its cross-connect or bridge membership. Missing port: NOT_FOUND. */
  removePort(name: string): Promise<void> {
    return this.serial(async () => {
      this.need(name);
      if (this.peers.has(name)) await this.disconnectLocked(name);
      if (this.bridgeOf.has(name)) await this.bridgeRemoveLocked(name);
      await this.engine.removePort(name).catch((err: unknown) => {
        throw engineError(err, `remove port ${name}`);
      });
      this.owners.delete(name);
    });
  }

  connect(a: string, b: string): Promise<void> {
    return this.serial(async () => {
      this.need(a, 'a');
      this.need(b, 'b');
      if (a === b)
        throw new PktbridgeError('INVALID_ARGUMENT', 'b: a port cannot be cross-connected to itself', {
          field: 'b',
        });
      for (const [field, port] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const busy = this.peers.get(port) ?? this.bridgeOf.get(port);
        if (busy !== undefined) {
          throw new PktbridgeError(
            'FAILED_PRECONDITION',
            `${field}: port ${port} is already connected to ${busy}`,
            { field },
          );
        }
      }
      await this.engine.connect(a, b).catch((err: unknown) => {
        throw engineError(err, `cross-connect ${a} and ${b}`);
      });
      this.peers.set(a, b);
      this.peers.set(b, a);
    });
  }

  disconnect(port: string): Promise<string> {
    return this.serial(async () => {
      this.need(port, 'port');
      if (!this.peers.has(port)) {
        throw new PktbridgeError('FAILED_PRECONDITION', `port: ${port} is not cross-connected`, {
          field: 'port',
        });
      }
      return this.disconnectLocked(port);
    });
  }

  private async disconnectLocked(port: string): Promise<string> {
    const peer = this.peers.get(port)!;
    await this.engine.disconnect(port).catch((err: unknown) => {
      throw engineError(err, `disconnect ${port}`);
    });
    this.peers.delete(port);
    this.peers.delete(peer);
    return peer;
  }

  createBridge(name: string): Promise<void> {
    return this.serial(async () => {
      if (this.bridges.has(name)) throw new PktbridgeError('ALREADY_EXISTS', `bridge ${name} already exists`);
      await this.createBridgeLocked(name, false);
    });
  }

  private async createBridgeLocked(name: string, implicit: boolean): Promise<void> {
    await this.engine.createBridge(name).catch((err: unknown) => {
      throw engineError(err, `create bridge ${name}`);
    });
    this.bridges.set(name, { name, ports: [], implicit });
  }

  /** Deletes an empty bridge; a bridge with ports is FAILED_PRECONDITION. */
  deleteBridge(name: string): Promise<void> {
    return this.serial(async () => {
      const bridge = this.bridges.get(name);
      if (!bridge) throw new PktbridgeError('NOT_FOUND', `bridge ${name} does not exist`, { field: 'name' });
      if (bridge.ports.length > 0) {
        throw new PktbridgeError(
          'FAILED_PRECONDITION',
          `bridge ${name} still has ports: ${bridge.ports.join(', ')}`,
        );
      }
      await this.deleteBridgeLocked(name);
    });
  }

  private async deleteBridgeLocked(name: string): Promise<void> {
    await this.engine.deleteBridge(name).catch((err: unknown) => {
      throw engineError(err, `delete bridge ${name}`);
    });
    this.bridges.delete(name);
  }

  /** Adds a port to a bridge; `createIfMissing` makes an implicit bridge (a network's). */
  bridgeAddPort(bridge: string, port: string, createIfMissing = false): Promise<void> {
    return this.serial(async () => {
      this.need(port, 'port');
      const busy = this.peers.get(port) ?? this.bridgeOf.get(port);
      if (busy !== undefined) {
        throw new PktbridgeError('FAILED_PRECONDITION', `port: ${port} is already connected to ${busy}`, {
          field: 'port',
        });
      }
      if (!this.bridges.has(bridge)) {
        if (!createIfMissing)
          throw new PktbridgeError('NOT_FOUND', `bridge ${bridge} does not exist`, { field: 'bridge' });
        await this.createBridgeLocked(bridge, true);
      }
      try {
        await this.engine.bridgeAddPort(bridge, port);
      } catch (err) {
        if (this.bridges.get(bridge)?.ports.length === 0 && this.bridges.get(bridge)?.implicit) {
          await this.deleteBridgeLocked(bridge).catch(() => undefined);
        }
        throw engineError(err, `add ${port} to bridge ${bridge}`);
      }
      this.bridges.get(bridge)!.ports.push(port);
      this.bridgeOf.set(port, bridge);
    });
  }

  bridgeRemovePort(port: string): Promise<string> {
    return this.serial(async () => {
      this.need(port, 'port');
      if (!this.bridgeOf.has(port)) {
        throw new PktbridgeError('FAILED_PRECONDITION', `port: ${port} is not in a bridge`, {
          field: 'port',
        });
      }
      return this.bridgeRemoveLocked(port);
    });
  }

  private async bridgeRemoveLocked(port: string): Promise<string> {
    const name = this.bridgeOf.get(port)!;
    await this.engine.bridgeRemovePort(port).catch((err: unknown) => {
      throw engineError(err, `remove ${port} from bridge ${name}`);
    });
    this.bridgeOf.delete(port);
    const bridge = this.bridges.get(name)!;
    bridge.ports = bridge.ports.filter((p) => p !== port);
    if (bridge.implicit && bridge.ports.length === 0) {
      await this.deleteBridgeLocked(name).catch((err: unknown) =>
        this.log.warn({ err, bridge: name }, 'could not delete an empty network bridge'),
      );
    }
    return name;
  }

  ports(): DataplanePort[] {
    return this.engine
      .ports()
      .filter((info) => this.owners.has(info.name))
      .map((info) => ({
        ...info,
        owner: this.owners.get(info.name)!,
        bridge: this.bridgeOf.get(info.name),
        peer: this.peers.get(info.name),
      }));
  }

  port(name: string): DataplanePort | undefined {
    return this.ports().find((port) => port.name === name);
  }

  bridgeList(): DataplaneBridge[] {
    return [...this.bridges.values()].map((bridge) => ({ ...bridge, ports: [...bridge.ports] }));
  }

  /** Counters of the named ports (all when empty); an unknown name is NOT_FOUND. */
  stats(names: string[] = []): NamedPortStats[] {
    const wanted = names.length > 0 ? names : [...this.owners.keys()];
    return wanted.map((name) => {
      this.need(name, 'ports');
      try {
        return { name, ...this.engine.stats(name) };
      } catch (err) {
        throw engineError(err, `stats of ${name}`);
      }
    });
  }

  workers(): WorkerStats[] {
    return this.engine.workerStats();
  }

  async shutdown(): Promise<void> {
    await this.serial(() => this.engine.shutdown());
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    return this.lock.run('engine', task);
  }
}
