// Start-up reconcile: undo attaches and finish detaches a crash interrupted, restore recorded
// attachments whose objects are gone, and remove objects the daemon owns that no record claims.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend, BackendName, OwnedObject } from '../backends/backend.js';
import { toPktbridgeError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import { toRecord, type AttachmentStore } from '../state/store.js';
import type { DaemonAttachmentService } from './attachment-service.js';
import { SHORT_ID_DIR, shortId } from './ids.js';

export interface ReconcileReport {
  /** Attaches interrupted by a crash, undone. */
  rolledBack: string[];
  /** Detaches interrupted by a crash, finished. */
  completedDetaches: string[];
  /** Recorded attachments whose objects were gone and were re-created. */
  restored: string[];
  /** Recorded attachments found as recorded. */
  intact: string[];
  /** Recorded attachments that could not be restored (kept, so DEL can still clean up). */
  unrestored: { id: string; backend: BackendName; reason: string }[];
  /** Backend objects and socket directories no record claimed, removed. */
  orphansRemoved: (OwnedObject | { kind: 'socket-dir'; ref: string })[];
  /** Steps that failed in ways the operator should look at. */
  errors: { id?: string; step: string; reason: string }[];
}

export interface ReconcileOptions {
  service: DaemonAttachmentService;
  store: AttachmentStore;
  backends: ReadonlyMap<BackendName, Backend>;
  socketRoot: string;
  log: Logger;
  events?: EventBus;
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { service, store, backends, log } = options;
  const report: ReconcileReport = {
    rolledBack: [],
    completedDetaches: [],
    restored: [],
    intact: [],
    unrestored: [],
    orphansRemoved: [],
    errors: [],
  };
  for (const entry of store.all()) {
    const id = entry.spec.id;
    await service.withPodLock(entry.spec.containerId, async () => {
      if (entry.phase !== 'attached') {
        try {
          await service.undoEntry(entry);
          (entry.phase === 'attaching' ? report.rolledBack : report.completedDetaches).push(id);
        } catch (err) {
          report.errors.push({ id, step: `undo ${entry.phase}`, reason: toPktbridgeError(err).message });
        }
        return;
      }
      const backend = backends.get(entry.backend);
      const record = toRecord(entry);
      if (!backend) {
        report.unrestored.push({
          id,
          backend: entry.backend,
          reason: `backend ${entry.backend} is not enabled`,
        });
        return;
      }
      try {
        await backend.check(record);
        report.intact.push(id);
        return;
      } catch {
        // Not as recorded: restore below.
      }
      try {
        await backend.restore(record);
        report.restored.push(id);
        options.events?.publish({ type: 'restored', attachmentId: id, at: Date.now() });
      } catch (err) {
        const reason = toPktbridgeError(err).message;
        report.unrestored.push({ id, backend: entry.backend, reason });
        options.events?.publish({
          type: 'restore-failed',
          attachmentId: id,
          message: reason,
          at: Date.now(),
        });
      }
    });
  }
  const claimed = new Set(store.all().map((entry) => entry.spec.id));
  for (const [name, backend] of backends) {
    let objects: OwnedObject[];
    try {
      objects = await backend.list();
    } catch (err) {
      report.errors.push({ step: `list ${name}`, reason: toPktbridgeError(err).message });
      continue;
    }
    for (const object of objects) {
      if (object.attachmentId === undefined || claimed.has(object.attachmentId)) continue;
      try {
        await backend.removeOrphan(object);
        report.orphansRemoved.push(object);
      } catch (err) {
        report.errors.push({ step: `remove orphan ${object.ref}`, reason: toPktbridgeError(err).message });
      }
    }
  }
  await removeOrphanSocketDirs(options.socketRoot, new Set([...claimed].map(shortId)), report);
  log.info(
    {
      rolledBack: report.rolledBack.length,
      completedDetaches: report.completedDetaches.length,
      restored: report.restored.length,
      intact: report.intact.length,
      unrestored: report.unrestored,
      orphansRemoved: report.orphansRemoved.length,
      errors: report.errors,
    },
    'reconciled',
  );
  return report;
}

/** Per-attachment directories are named by short id; one no record claims is left from a crash. */
async function removeOrphanSocketDirs(socketRoot: string, claimed: Set<string>, report: ReconcileReport) {
  let names: string[];
  try {
    names = await readdir(socketRoot);
  } catch {
    return;
  }
  for (const name of names) {
    if (!SHORT_ID_DIR.test(name) || claimed.has(name)) continue;
    const ref = join(socketRoot, name);
    await rm(ref, { recursive: true, force: true });
    report.orphansRemoved.push({ kind: 'socket-dir', ref });
  }
}
