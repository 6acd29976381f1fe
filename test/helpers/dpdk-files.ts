// Removal of what a DPDK primary process may leave behind under its --file-prefix (hugepage files
// and its runtime directory) once it has exited.
import { readdirSync, rmSync } from 'node:fs';

export function removeDpdkFiles(filePrefix: string): void {
  try {
    for (const name of readdirSync('/dev/hugepages')) {
      if (name.startsWith(`${filePrefix}map_`)) rmSync(`/dev/hugepages/${name}`, { force: true });
    }
  } catch {
    // no hugetlbfs mounted: nothing to remove
  }
  rmSync(`/var/run/dpdk/${filePrefix}`, { recursive: true, force: true });
}
