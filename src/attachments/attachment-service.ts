// The daemon's AttachmentService: derives ids and socket locations, journals each attach before any
// backend step, runs the backend under rollback, and records the result durably before resolving.
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import type {
  AttachmentRecord,
  AttachSpec,
  Backend,
  BackendName,
  BackendStatus,
} from '../backends/backend.js';
import { withRollback } from '../backends/backend.js';
import { PktbridgeError, toPktbridgeError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import { KeyedLock } from '../state/locks.js';
import { toRecord, type AttachmentEntry, type AttachmentStore } from '../state/store.js';
import { attachmentId, socketLocation } from './ids.js';
import type { Pause } from './pause.js';
import type { AttachmentKey, AttachmentService, AttachRequest } from './service.js';

/** Hooks the metrics module implements; kept narrow so the service does not depend on prom-client. */
export interface AttachmentMetrics {
  observeAttach(backend: BackendName, seconds: number): void;
  observeDetach(backend: BackendName, seconds: number): void;
  countError(code: string): void;
}

export interface AttachmentServiceOptions {
  store: AttachmentStore;
  backends: ReadonlyMap<BackendName, Backend>;
  socketRoot: string;
  log: Logger;
  pause: Pause;
  events?: EventBus;
  metrics?: AttachmentMetrics;
}

export class DaemonAttachmentService implements AttachmentService {
  /** Keyed by container id: the same pod's calls serialize, different pods run in parallel. */
  private readonly locks = new KeyedLock();

  constructor(private readonly options: AttachmentServiceOptions) {}

  backend(name: BackendName): Backend {
    const backend = this.options.backends.get(name);
    if (!backend)
      throw new PktbridgeError('FAILED_PRECONDITION', `backend ${name} is not enabled in this daemon`);
    return backend;
  }

  async attach(request: AttachRequest): Promise<AttachmentRecord> {
    const started = process.hrtime.bigint();
    try {
      const record = await this.locks.run(request.containerId, () => this.attachLocked(request));
      this.options.metrics?.observeAttach(request.backend, seconds(started));
      return record;
    } catch (err) {
      const error = toPktbridgeError(err);
      this.options.metrics?.countError(error.code);
      throw error;
    }
  }

  private async attachLocked(request: AttachRequest): Promise<AttachmentRecord> {
    const { log, store, pause } = this.options;
    const id = attachmentId(request.containerId, request.ifname);
    const existing = store.get(id);
    if (existing) {
      throw new PktbridgeError(
        'ALREADY_EXISTS',
        `container ${request.containerId} already has ${request.ifname} (attachment ${id})`,
        { id },
      );
    }
    const backend = this.backend(request.backend);
    const { backend: _backendName, slot, socketDir: askedDir, ...rest } = request;
    const needsSocket = request.iface.type !== 'pci';
    const location = needsSocket
      ? socketLocation({
          socketRoot: this.options.socketRoot,
          id,
          ifname: request.ifname,
          slot,
          socketDir: askedDir,
        })
      : undefined;
    const usesDir = location !== undefined && !(request.iface.type === 'memif' && request.iface.abstract);
    const spec: AttachSpec = {
      ...rest,
      id,
      socketDir: location?.socketDir,
      socketPath: location?.socketPath,
    };
    const entry: AttachmentEntry = {
      version: 1,
      phase: 'attaching',
      spec,
      backend: request.backend,
      createdAt: new Date().toISOString(),
      ownsSocketDir: usesDir && !existsSync(location.socketDir),
    };
    const attachLog = log.child({
      attachmentId: id,
      containerId: request.containerId,
      ifname: request.ifname,
    });
    return withRollback(
      async (rollback) => {
        // Journal first: a crash from here on is found at start and undone by reconcile.
        await store.put(entry);
        rollback.add('state entry', () => store.remove(id));
        await pause('attach:after-intent', { attachmentId: id });
        if (usesDir) {
          await this.makeSocketDir(spec, entry.ownsSocketDir);
          if (entry.ownsSocketDir)
            rollback.add('socket directory', () => rm(spec.socketDir!, { recursive: true, force: true }));
          await pause('attach:after-socket-dir', { attachmentId: id });
        }
        const result = await backend.attach(spec);
        const done: AttachmentEntry = { ...entry, phase: 'attached', result };
        rollback.add('backend attachment', () => backend.detach(toRecord(done)));
        await pause('attach:after-backend', { attachmentId: id });
        await store.put(done);
        attachLog.info({ backend: request.backend, socketPath: spec.socketPath }, 'attached');
        this.options.events?.publish({ type: 'attached', attachmentId: id, at: Date.now() });
        return toRecord(done);
      },
      (failure) =>
        attachLog.error({ err: failure.error, step: failure.what }, 'undo after a failed attach failed'),
    );
  }

  private async makeSocketDir(spec: AttachSpec, owned: boolean): Promise<void> {
    const dir = spec.socketDir!;
    await mkdir(dir, { recursive: true, mode: spec.socketOwnership.dirMode });
    if (!owned) return;
    // mkdir's mode is filtered by the umask; the directory mode is part of the contract.
    await chmod(dir, spec.socketOwnership.dirMode);
    const { uid, gid } = spec.socketOwnership;
    if (uid !== undefined || gid !== undefined) await chown(dir, uid ?? -1, gid ?? -1);
  }

  async detach(key: AttachmentKey): Promise<AttachmentRecord | undefined> {
    const started = process.hrtime.bigint();
    try {
      const record = await this.locks.run(key.containerId, () => this.detachLocked(key));
      if (record) this.options.metrics?.observeDetach(record.backend, seconds(started));
      return record;
    } catch (err) {
      const error = toPktbridgeError(err);
      this.options.metrics?.countError(error.code);
      throw error;
    }
  }

  private async detachLocked(key: AttachmentKey): Promise<AttachmentRecord | undefined> {
    const entry = this.options.store.get(attachmentId(key.containerId, key.ifname));
    if (!entry) return undefined;
    await this.undoEntry(entry);
    this.options.log.info(
      { attachmentId: entry.spec.id, containerId: key.containerId, ifname: key.ifname },
      'detached',
    );
    this.options.events?.publish({ type: 'detached', attachmentId: entry.spec.id, at: Date.now() });
    return toRecord(entry);
  }

  /** Removes what an entry made (backend objects, its own socket dir) and then the entry itself. */
  async undoEntry(entry: AttachmentEntry): Promise<void> {
    const { store, pause } = this.options;
    const backend = this.backend(entry.backend);
    if (entry.phase !== 'detaching') await store.put({ ...entry, phase: 'detaching' });
    await backend.detach(toRecord(entry));
    await pause('detach:after-backend', { attachmentId: entry.spec.id });
    if (entry.ownsSocketDir && entry.spec.socketDir) {
      await rm(entry.spec.socketDir, { recursive: true, force: true });
    } else if (entry.spec.socketPath && !(entry.spec.iface.type === 'memif' && entry.spec.iface.abstract)) {
      await rm(entry.spec.socketPath, { force: true });
    }
    await store.remove(entry.spec.id);
  }

  get(key: AttachmentKey): AttachmentRecord | undefined {
    const entry = this.options.store.get(attachmentId(key.containerId, key.ifname));
    return entry?.phase === 'attached' ? toRecord(entry) : undefined;
  }

  async check(key: AttachmentKey): Promise<AttachmentRecord> {
    const record = this.get(key);
    if (!record) {
      throw new PktbridgeError(
        'NOT_FOUND',
        `no attachment for container ${key.containerId} ifname ${key.ifname}`,
      );
    }
    await this.backend(record.backend).check(record);
    return record;
  }

  list(): AttachmentRecord[] {
    return this.options.store
      .all()
      .filter((entry) => entry.phase === 'attached')
      .map(toRecord);
  }

  async gc(valid: AttachmentKey[], network?: string): Promise<AttachmentRecord[]> {
    const keep = new Set(valid.map((key) => attachmentId(key.containerId, key.ifname)));
    const removed: AttachmentRecord[] = [];
    for (const record of this.list()) {
      if (keep.has(record.spec.id)) continue;
      if (network !== undefined && record.spec.network !== network) continue;
      const gone = await this.detach({ containerId: record.spec.containerId, ifname: record.spec.ifname });
      if (gone) removed.push(gone);
    }
    return removed;
  }

  async status(): Promise<Partial<Record<BackendName, BackendStatus>>> {
    const out: Partial<Record<BackendName, BackendStatus>> = {};
    for (const [name, backend] of this.options.backends) {
      try {
        out[name] = await backend.status();
      } catch (err) {
        out[name] = { ready: false, message: toPktbridgeError(err).message };
      }
    }
    return out;
  }

  /** Runs `task` under the same lock the pod's ADD and DEL take (used by reconcile). */
  withPodLock<T>(containerId: string, task: () => Promise<T>): Promise<T> {
    return this.locks.run(containerId, task);
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
