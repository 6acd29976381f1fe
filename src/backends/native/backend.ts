// The `native` backend: one engine port per attachment (memif, vhost-user or PCI), joined to the
// network's L2 bridge, cross-connected to a named port, or left alone, as the spec's connect says.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { PortSpec } from '../../../native-dpdk/index.js';
import { PktbridgeError } from '../../errors.js';
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
import type { NativeDataplane } from './dataplane.js';
import { podDeviceInfo } from '../device-info.js';

/** Engine port name of an attachment: short, unique, and recognisable as ours after a restart. */
export function attachmentPortName(id: string): string {
  return `pb${id}`;
}

const ENGINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/**
 * Engine bridge name for a bridge or network name: itself when the engine accepts it, otherwise a
 * sanitised prefix plus a hash, so `net.example/a` and `net-example-a` never share a bridge.
 */
export function engineBridgeName(name: string): string {
  if (ENGINE_NAME.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `n-${name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 21)}-${hash}`;
}

/** The engine port that realises the host side of the attachment. */
export function nativePortSpec(spec: AttachSpec): PortSpec {
  const name = attachmentPortName(spec.id);
  const iface = spec.iface;
  if (iface.type === 'pci') return { kind: 'pci', name, pciAddress: iface.pciAddress };
  if (!spec.socketPath)
    throw new PktbridgeError('INVALID_ARGUMENT', 'socketPath: required for a socket interface');
  if (iface.type === 'vhost-user') {
    return { kind: 'vhost-user', name, socketPath: spec.socketPath, mode: iface.mode, queues: iface.queues };
  }
  if (iface.mode === 'punt-inject') {
    throw new PktbridgeError(
      'FAILED_PRECONDITION',
      'iface.mode: the native backend supports memif ethernet and ip modes',
    );
  }
  if (iface.queues > 1) {
    throw new PktbridgeError(
      'FAILED_PRECONDITION',
      'iface.queues: the native backend runs memif with one queue pair',
    );
  }
  return {
    kind: 'memif',
    name,
    socketPath: spec.socketPath,
    role: iface.role,
    id: iface.id,
    ringSize: iface.ringSize,
    bufferSize: iface.bufferSize,
    secret: iface.secret,
    // Ethernet is the PMD's default; the engine (22.11 devargs) rejects an explicit mode=ethernet.
    mode: iface.mode === 'ip' ? 'ip' : undefined,
    abstract: iface.abstract,
    netns: iface.abstract ? spec.netns : undefined,
  };
}

export class NativeBackend implements Backend {
  readonly name = 'native' as const;

  constructor(
    readonly dataplane: NativeDataplane,
    private readonly log: Logger,
    /** Runs after the engine has shut down (e.g. removing its hugepage files). */
    private readonly afterShutdown: () => Promise<void> = async () => {},
  ) {}

  async attach(spec: AttachSpec): Promise<AttachmentResult> {
    const portSpec = nativePortSpec(spec);
    return withRollback(
      async (rollback) => {
        const info = await this.dataplane.addPort(portSpec, { kind: 'attachment', attachmentId: spec.id });
        rollback.add(`port ${portSpec.name}`, () => this.removePortAndSocket(portSpec.name, spec));
        if (spec.connect.kind === 'bridge') {
          await this.dataplane.bridgeAddPort(engineBridgeName(spec.connect.bridge), portSpec.name, true);
        } else if (spec.connect.kind === 'xconnect') {
          await this.dataplane.connect(portSpec.name, spec.connect.peer);
        }
        const objects: OwnedObject[] = [
          { backend: 'native', kind: portSpec.kind, ref: portSpec.name, attachmentId: spec.id },
        ];
        return {
          socketPath: spec.socketPath,
          pciId: spec.iface.type === 'pci' ? spec.iface.pciAddress : undefined,
          mac: spec.mac,
          mtu: spec.mtu,
          deviceInfo: podDeviceInfo(spec.iface, spec.socketPath),
          objects,
          restore: { hostPortMac: info.mac },
        };
      },
      (failure) => this.log.error({ err: failure.error, step: failure.what }, 'native attach undo failed'),
    );
  }

  private async removePortAndSocket(name: string, spec: AttachSpec): Promise<void> {
    if (this.dataplane.has(name)) await this.dataplane.removePort(name);
    const iface = spec.iface;
    // A host-side server socket outlives its port in the file system; the path is ours to clear.
    if (spec.socketPath && !(iface.type === 'memif' && iface.abstract))
      await rm(spec.socketPath, { force: true });
  }

  async detach(record: AttachmentRecord): Promise<void> {
    await this.removePortAndSocket(attachmentPortName(record.spec.id), record.spec);
  }

  async check(record: AttachmentRecord): Promise<void> {
    const name = attachmentPortName(record.spec.id);
    const port = this.dataplane.port(name);
    if (!port)
      throw new PktbridgeError('NOT_FOUND', `port ${name} of attachment ${record.spec.id} does not exist`);
    const connect = record.spec.connect;
    if (connect.kind === 'bridge' && port.bridge !== engineBridgeName(connect.bridge)) {
      throw new PktbridgeError('FAILED_PRECONDITION', `port ${name} is not in bridge ${connect.bridge}`);
    }
    if (connect.kind === 'xconnect' && port.peer !== connect.peer) {
      throw new PktbridgeError(
        'FAILED_PRECONDITION',
        `port ${name} is not cross-connected to ${connect.peer}`,
      );
    }
  }

  async list(): Promise<OwnedObject[]> {
    return this.dataplane
      .ports()
      .flatMap((port): OwnedObject[] =>
        port.owner.kind === 'attachment'
          ? [{ backend: 'native', kind: port.kind, ref: port.name, attachmentId: port.owner.attachmentId }]
          : [],
      );
  }

  /** The engine lives in the daemon, so after a restart every port is re-made from its record. */
  async restore(record: AttachmentRecord): Promise<void> {
    await this.detach(record);
    await this.attach(record.spec);
  }

  async removeOrphan(object: OwnedObject): Promise<void> {
    if (this.dataplane.has(object.ref)) await this.dataplane.removePort(object.ref);
  }

  async status(): Promise<BackendStatus> {
    const workers = this.dataplane.workers();
    const ports = this.dataplane.ports().length;
    return {
      ready: true,
      message: `${ports} ports, ${workers.length} workers`,
      details: { ports, workers: workers.map((w) => ({ lcore: w.lcore, cpu: w.cpu })) },
    };
  }

  async close(): Promise<void> {
    await this.dataplane.shutdown();
    await this.afterShutdown();
  }
}
