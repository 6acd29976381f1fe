// The typed face of the in-process DPDK engine: Engine.init once per process, then ports, cross-
// connects and bridges that come and go at runtime. Anything that may block returns a promise.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadBinding, type NativeBinding } from './ts/binding.js';
import { nativePortRequest } from './ts/devargs.js';
import { EngineError, fromNative } from './ts/errors.js';
import { engineOptionsSchema, nameSchema, portSpecSchema, type EngineOptionsInput } from './ts/schemas.js';

export { EngineError } from './ts/errors.js';
export type { EngineErrorCode } from './ts/errors.js';

export type EngineOptions = EngineOptionsInput;
export type PortSpec =
  | { kind: 'vhost-user'; name: string; socketPath: string; mode: 'server' | 'client'; queues?: number }
  | {
      kind: 'memif';
      name: string;
      socketPath: string;
      role: 'server' | 'client';
      id?: number;
      ringSize?: number;
      bufferSize?: number;
      secret?: string;
      mode?: 'ethernet' | 'ip';
      abstract?: boolean;
      /** Path of the network namespace to create the (abstract) pod-facing socket in. */
      netns?: string;
    }
  | { kind: 'af_packet'; name: string; iface: string; queues?: number }
  | { kind: 'af_xdp'; name: string; iface: string }
  | { kind: 'tap'; name: string; iface?: string }
  | { kind: 'pci'; name: string; pciAddress: string; queues?: number }
  | { kind: 'null'; name: string }
  | { kind: 'ring'; name: string };

export interface PortInfo {
  name: string;
  kind: PortSpec['kind'];
  portId: number;
  mac: string;
  linkUp: boolean;
  socketPath?: string;
}
export interface PortStats {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
  rxErrors: number;
  txErrors: number;
}
export interface WorkerStats {
  lcore: number;
  cpu: number;
  polls: number;
  busyPolls: number;
  packets: number;
}
export type EngineEvent = {
  type: 'link-up' | 'link-down' | 'peer-connected' | 'peer-disconnected';
  port: string;
  at: number;
};

function parse<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
  value: unknown,
  what: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || what;
  throw new EngineError('INVALID_ARGUMENT', `${field}: ${issue?.message ?? 'invalid'}`);
}

async function call<T>(promise: () => Promise<T>): Promise<T> {
  try {
    return await promise();
  } catch (err) {
    throw fromNative(err);
  }
}

function sync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromNative(err);
  }
}

let initialized = false;

export class Engine extends EventEmitter {
  private closed = false;

  private constructor(
    private readonly native: NativeBinding,
    private readonly runtimeDir: string,
    /** The EAL arguments the engine was started with. */
    readonly ealArgs: string[],
    private readonly workerCount: number,
    private readonly memifRelay: boolean,
  ) {
    super();
  }

  /** Initialises EAL and starts the workers. Once per process: EAL cannot be initialised twice. */
  static async init(options: EngineOptions): Promise<Engine> {
    const valid = parse(engineOptionsSchema, options, 'options');
    if (initialized)
      throw new EngineError('ALREADY_INITIALIZED', 'Engine.init() may be called once per process');
    const native = loadBinding();
    initialized = true;
    // The relay's private memif sockets live here, reachable only by this process (0700).
    const runtimeDir = mkdtempSync(join('/tmp', `pktbridge-${valid.filePrefix}-`));
    const emitter: { engine?: Engine } = {};
    try {
      const ealArgs = await call(() =>
        native.init(valid, (event) => emitter.engine?.emit('event', event as EngineEvent)),
      );
      emitter.engine = new Engine(
        native,
        runtimeDir,
        ealArgs,
        valid.workerCpus.length,
        valid.memifRelay ?? true,
      );
      return emitter.engine;
    } catch (err) {
      rmSync(runtimeDir, { recursive: true, force: true });
      throw err;
    }
  }

  async addPort(spec: PortSpec): Promise<PortInfo> {
    const valid = parse(portSpecSchema, spec, 'spec');
    const request = nativePortRequest(valid, this.workerCount, this.runtimeDir, this.memifRelay);
    return (await call(() => this.native.addPort(request))) as PortInfo;
  }

  /** Safe while traffic flows: the port leaves the forwarding table before it is stopped. */
  removePort(name: string): Promise<void> {
    return call(() => this.native.removePort(parse(nameSchema, name, 'name')));
  }

  /** Cross-connects two ports, both directions. */
  connect(a: string, b: string): Promise<void> {
    return call(() => this.native.connect(parse(nameSchema, a, 'a'), parse(nameSchema, b, 'b')));
  }

  /** Undoes connect() of `port` and its peer. */
  disconnect(port: string): Promise<void> {
    return call(() => this.native.disconnect(parse(nameSchema, port, 'port')));
  }

  createBridge(name: string): Promise<void> {
    return call(() => this.native.createBridge(parse(nameSchema, name, 'name')));
  }

  deleteBridge(name: string): Promise<void> {
    return call(() => this.native.deleteBridge(parse(nameSchema, name, 'name')));
  }

  bridgeAddPort(bridge: string, port: string): Promise<void> {
    return call(() =>
      this.native.bridgeAddPort(parse(nameSchema, bridge, 'bridge'), parse(nameSchema, port, 'port')),
    );
  }

  bridgeRemovePort(port: string): Promise<void> {
    return call(() => this.native.bridgeRemovePort(parse(nameSchema, port, 'port')));
  }

  ports(): PortInfo[] {
    return sync(() => this.native.ports()) as PortInfo[];
  }

  stats(name: string): PortStats {
    return sync(() => this.native.stats(name)) as unknown as PortStats;
  }

  xstats(name: string): Record<string, number> {
    return sync(() => this.native.xstats(name));
  }

  workerStats(): WorkerStats[] {
    return sync(() => this.native.workerStats()) as unknown as WorkerStats[];
  }

  /** Removes every port, stops the workers and cleans EAL up. The engine cannot be started again. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await call(() => this.native.shutdown());
    } finally {
      rmSync(this.runtimeDir, { recursive: true, force: true });
    }
  }
}
