// EAL leaves its hugepage files (<hugetlbfs mount>/<file-prefix>map_*) behind at exit, holding the
// pages until a process with the same prefix starts again; the daemon removes its own on shutdown.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Mount points of every hugetlbfs, from a /proc/mounts-format table. */
export function hugetlbfsMounts(mountTable: string): string[] {
  return mountTable
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === 'hugetlbfs' && fields[1] !== undefined)
    .map((fields) => (fields[1] ?? '').replace(/\\040/g, ' '));
}

/** Removes the hugepage files of `filePrefix` (only safe once that EAL instance is shut down). */
export async function removeHugepageFiles(
  filePrefix: string,
  mountsFile = '/proc/mounts',
): Promise<string[]> {
  const removed: string[] = [];
  for (const mount of hugetlbfsMounts(await readFile(mountsFile, 'utf8'))) {
    const names = await readdir(mount).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith(`${filePrefix}map_`))) {
      await rm(join(mount, name), { force: true });
      removed.push(join(mount, name));
    }
  }
  return removed;
}
