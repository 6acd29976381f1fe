// Test fake of the daemon's AttachmentService: records in memory, a real socket directory per
// attachment under a temp root (so tests can see what is left behind), and injectable failures.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AttachmentKey, AttachmentService, AttachRequest } from '../../../src/attachments/service.js';
import type { AttachmentRecord, BackendName, BackendStatus } from '../../../src/backends/backend.js';
import { PktbridgeError } from '../../../src/errors.js';
import { podDeviceInfo } from '../../../src/backends/device-info.js';

const keyOf = (key: AttachmentKey): string => `${key.containerId}/${key.ifname}`;

export class FakeAttachmentService implements AttachmentService {
  readonly records = new Map<string, AttachmentRecord>();
  readonly calls: string[] = [];
  /** Next attach() throws this (once). */
  failNextAttach?: PktbridgeError;
  /** Next check() throws this (once). */
  failNextCheck?: PktbridgeError;
  /** attach() takes this long (a real backend is not instant). */
  attachDelayMs = 0;
  statuses: Partial<Record<BackendName, BackendStatus>> = { native: { ready: true, message: 'ok' } };
  private counter = 0;

  constructor(readonly socketRoot: string) {}

  async attach(request: AttachRequest): Promise<AttachmentRecord> {
    this.calls.push(`attach ${request.containerId}/${request.ifname}`);
    if (this.attachDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.attachDelayMs));
    if (this.failNextAttach) {
      const err = this.failNextAttach;
      this.failNextAttach = undefined;
      throw err;
    }
    const key = keyOf(request);
    if (this.records.has(key)) throw new PktbridgeError('ALREADY_EXISTS', `${key} is already attached`);
    if (request.socketDir !== undefined && !request.socketDir.startsWith(`${this.socketRoot}/`)) {
      throw new PktbridgeError(
        'INVALID_ARGUMENT',
        `socket.dir: ${request.socketDir} is outside the socket root`,
        {
          field: 'socket.dir',
        },
      );
    }
    const id = `a${(this.counter++).toString(16)}`;
    const socketDir = request.iface.type === 'pci' ? undefined : join(this.socketRoot, request.slot ?? id);
    const socketPath = socketDir === undefined ? undefined : join(socketDir, `${request.ifname}.sock`);
    if (socketDir !== undefined)
      mkdirSync(socketDir, { recursive: true, mode: request.socketOwnership.dirMode });
    const { backend, slot: _slot, socketDir: _dir, ...spec } = request;
    const record: AttachmentRecord = {
      spec: { ...spec, id, socketDir, socketPath },
      backend,
      result: {
        socketPath,
        pciId: request.iface.type === 'pci' ? request.iface.pciAddress : undefined,
        mac: request.mac ?? '02:fe:00:00:00:01',
        mtu: request.mtu ?? 1500,
        deviceInfo: podDeviceInfo(request.iface, socketPath),
        objects: [{ backend, kind: 'port', ref: id, attachmentId: id }],
      },
      createdAt: new Date().toISOString(),
    };
    this.records.set(key, record);
    return record;
  }

  async detach(key: AttachmentKey): Promise<AttachmentRecord | undefined> {
    this.calls.push(`detach ${keyOf(key)}`);
    const record = this.records.get(keyOf(key));
    if (!record) return undefined;
    this.records.delete(keyOf(key));
    if (record.spec.socketDir) rmSync(record.spec.socketDir, { recursive: true, force: true });
    return record;
  }

  get(key: AttachmentKey): AttachmentRecord | undefined {
    return this.records.get(keyOf(key));
  }

  async check(key: AttachmentKey): Promise<AttachmentRecord> {
    if (this.failNextCheck) {
      const err = this.failNextCheck;
      this.failNextCheck = undefined;
      throw err;
    }
    const record = this.records.get(keyOf(key));
    if (!record) throw new PktbridgeError('NOT_FOUND', `${keyOf(key)} is not attached`);
    return record;
  }

  list(): AttachmentRecord[] {
    return [...this.records.values()];
  }

  async gc(valid: AttachmentKey[], network?: string): Promise<AttachmentRecord[]> {
    const keep = new Set(valid.map(keyOf));
    const removed: AttachmentRecord[] = [];
    for (const record of this.list()) {
      if (network !== undefined && record.spec.network !== network) continue;
      if (keep.has(keyOf(record.spec))) continue;
      const gone = await this.detach(record.spec);
      if (gone) removed.push(gone);
    }
    return removed;
  }

  async status(): Promise<Partial<Record<BackendName, BackendStatus>>> {
    return this.statuses;
  }
}
