// Durable attachment store: one JSON file per attachment under <stateDir>/attachments, written
// atomically (temp file + fsync + rename + directory fsync) so a crash leaves the old or the new file.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { AttachmentRecord, AttachmentResult, AttachSpec, BackendName } from '../backends/backend.js';
import { PktbridgeError } from '../errors.js';

/**
 * `attaching`: written before any backend step, so a crash mid-attach is found and undone at start.
 * `attached`: the attachment is complete (the ADD reply is sent only after this write).
 * `detaching`: a DEL started; finished at start if the daemon died in between.
 */
export type AttachmentPhase = 'attaching' | 'attached' | 'detaching';

export interface AttachmentEntry {
  version: 1;
  phase: AttachmentPhase;
  spec: AttachSpec;
  backend: BackendName;
  createdAt: string;
  result?: AttachmentResult;
  /** The daemon created spec.socketDir for this attachment alone and removes it on detach. */
  ownsSocketDir: boolean;
}

const entrySchema = z.object({
  version: z.literal(1),
  phase: z.enum(['attaching', 'attached', 'detaching']),
  spec: z.looseObject({
    id: z.string().regex(/^[0-9a-f]{16}$/),
    containerId: z.string().min(1),
    ifname: z.string().min(1),
    network: z.string(),
    iface: z.looseObject({ type: z.enum(['vhost-user', 'memif', 'pci']) }),
    connect: z.looseObject({ kind: z.enum(['bridge', 'xconnect', 'none']) }),
  }),
  backend: z.enum(['native', 'vpp', 'ovs-dpdk', 'sriov-dpdk']),
  createdAt: z.string(),
  result: z.looseObject({ objects: z.array(z.looseObject({})), deviceInfo: z.looseObject({}) }).optional(),
  ownsSocketDir: z.boolean(),
});

/** The record view of a completed entry. */
export function toRecord(entry: AttachmentEntry): AttachmentRecord {
  const result: AttachmentResult = entry.result ?? {
    objects: [],
    deviceInfo: { type: 'pci', version: '1.1.0', pci: { 'pci-address': '' } },
  };
  return { spec: entry.spec, backend: entry.backend, result, createdAt: entry.createdAt };
}

export interface LoadReport {
  /** Files that were not valid entries; moved aside to `<stateDir>/corrupt/`. */
  corrupt: { file: string; reason: string }[];
  /** Leftover temp files of interrupted writes, removed. */
  removedTemps: string[];
}

export class AttachmentStore {
  private readonly entries = new Map<string, AttachmentEntry>();
  private readonly dir: string;

  private constructor(readonly stateDir: string) {
    this.dir = join(stateDir, 'attachments');
  }

  /** Opens (creating if needed) the store and loads every entry. */
  static open(stateDir: string): { store: AttachmentStore; report: LoadReport } {
    const store = new AttachmentStore(stateDir);
    const report = store.load();
    return { store, report };
  }

  private load(): LoadReport {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const report: LoadReport = { corrupt: [], removedTemps: [] };
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (name.includes('.tmp-')) {
        // A write that never reached its rename: the previous file (if any) is still intact.
        rmSync(path, { force: true });
        report.removedTemps.push(name);
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const parsed = entrySchema.parse(JSON.parse(readFileSync(path, 'utf8')));
        const entry = parsed as unknown as AttachmentEntry;
        if (`${entry.spec.id}.json` !== name)
          throw new Error(`id ${entry.spec.id} does not match the file name`);
        this.entries.set(entry.spec.id, entry);
      } catch (err) {
        const corruptDir = join(this.stateDir, 'corrupt');
        mkdirSync(corruptDir, { recursive: true, mode: 0o700 });
        renameSync(path, join(corruptDir, `${name}.${Date.now()}`));
        report.corrupt.push({ file: name, reason: (err as Error).message });
      }
    }
    return report;
  }

  get(id: string): AttachmentEntry | undefined {
    return this.entries.get(id);
  }

  all(): AttachmentEntry[] {
    return [...this.entries.values()];
  }

  /** Writes the entry durably; resolves only once it is on disk under its final name. */
  async put(entry: AttachmentEntry): Promise<void> {
    const final = join(this.dir, `${entry.spec.id}.json`);
    const temp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const data = JSON.stringify(entry, null, 2);
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, final);
      await this.syncDir();
    } catch (err) {
      await rm(temp, { force: true });
      throw new PktbridgeError(
        'INTERNAL',
        `state: cannot write ${final}: ${(err as Error).message}`,
        undefined,
        {
          cause: err,
        },
      );
    }
    this.entries.set(entry.spec.id, entry);
  }

  /** Removes the entry durably; removing a missing entry is not an error. */
  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
    await this.syncDir();
    this.entries.delete(id);
  }

  /** fsync of the directory makes the rename or unlink itself durable. */
  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** File names on disk (tests use it to check nothing stray is left). */
  async files(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    return (await readdir(this.dir)).sort();
  }
}
