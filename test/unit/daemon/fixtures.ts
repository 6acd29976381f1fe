// Shared fixtures of the daemon unit tests: sample records and a recording in-memory backend.
import type {
  AttachmentRecord,
  AttachmentResult,
  AttachSpec,
  Backend,
  BackendStatus,
  OwnedObject,
} from '../../../src/backends/backend.js';
import type { AttachmentEntry } from '../../../src/state/store.js';

export function sampleEntry(id: string, phase: AttachmentEntry['phase'] = 'attached'): AttachmentEntry {
  return {
    version: 1,
    phase,
    backend: 'native',
    createdAt: new Date(0).toISOString(),
    ownsSocketDir: true,
    spec: {
      id,
      containerId: `c-${id}`,
      ifname: 'net1',
      network: 'n1',
      iface: { type: 'vhost-user', mode: 'server', queues: 1 },
      socketOwnership: { dirMode: 0o750 },
      connect: { kind: 'bridge', bridge: 'n1' },
      backendConfig: {},
    },
    result:
      phase === 'attached'
        ? {
            objects: [{ backend: 'native', kind: 'vhost-user', ref: `pb${id}`, attachmentId: id }],
            deviceInfo: {
              type: 'vhost-user',
              version: '1.1.0',
              'vhost-user': { mode: 'client', path: '/x' },
            },
          }
        : undefined,
  };
}

/**
 * A backend that keeps its objects in a Map and records every call, for service-level unit tests.
 * `failAttach` makes the next attach fail after creating its first object (to exercise rollback).
 */
export class RecordingBackend implements Backend {
  readonly name = 'native' as const;
  readonly objects = new Map<string, OwnedObject>();
  readonly calls: string[] = [];
  failAttach = false;
  failRestore = false;
  attachDelayMs = 0;

  async attach(spec: AttachSpec): Promise<AttachmentResult> {
    this.calls.push(`attach ${spec.id}`);
    if (this.attachDelayMs) await new Promise((resolve) => setTimeout(resolve, this.attachDelayMs));
    const object: OwnedObject = {
      backend: 'native',
      kind: 'port',
      ref: `pb${spec.id}`,
      attachmentId: spec.id,
    };
    this.objects.set(object.ref, object);
    if (this.failAttach) {
      this.objects.delete(object.ref);
      throw new Error('second step failed');
    }
    return {
      socketPath: spec.socketPath,
      objects: [object],
      deviceInfo: {
        type: 'vhost-user',
        version: '1.1.0',
        'vhost-user': { mode: 'client', path: spec.socketPath ?? '' },
      },
    };
  }

  async detach(record: AttachmentRecord): Promise<void> {
    this.calls.push(`detach ${record.spec.id}`);
    this.objects.delete(`pb${record.spec.id}`);
  }

  async check(record: AttachmentRecord): Promise<void> {
    if (!this.objects.has(`pb${record.spec.id}`)) throw new Error(`pb${record.spec.id} is gone`);
  }

  async list(): Promise<OwnedObject[]> {
    return [...this.objects.values()];
  }

  async restore(record: AttachmentRecord): Promise<void> {
    this.calls.push(`restore ${record.spec.id}`);
    if (this.failRestore) throw new Error('peer is gone');
    await this.attach(record.spec);
  }

  async removeOrphan(object: OwnedObject): Promise<void> {
    this.calls.push(`removeOrphan ${object.ref}`);
    this.objects.delete(object.ref);
  }

  async status(): Promise<BackendStatus> {
    return { ready: true, message: `${this.objects.size} objects` };
  }

  async close(): Promise<void> {}
}
