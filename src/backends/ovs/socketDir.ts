// The per-attachment socket directory: made with the configured mode and owner when missing, and
// removed on undo only if this attachment made it and nothing is left inside.
import { chown, mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import type { SocketOwnership } from '../backend.js';

/** Creates `dir` if missing; resolves true when it did. */
export async function ensureSocketDir(dir: string, ownership: SocketOwnership): Promise<boolean> {
  const existed = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (existed) return false;
  await mkdir(dir, { recursive: true, mode: ownership.dirMode });
  if (ownership.uid !== undefined || ownership.gid !== undefined) {
    await chown(dir, ownership.uid ?? -1, ownership.gid ?? -1);
  }
  return true;
}

export async function removeDirIfEmpty(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => undefined);
  if (entries && entries.length === 0) await rmdir(dir).catch(() => undefined);
}
