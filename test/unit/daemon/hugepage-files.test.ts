import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hugetlbfsMounts, removeHugepageFiles } from '../../../src/backends/native/hugepage-files.js';

const root = mkdtempSync(join(tmpdir(), 'pb-hugefiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('hugepage file cleanup', () => {
  it('finds every hugetlbfs mount and nothing else', () => {
    const table =
      'proc /proc proc rw 0 0\nnodev /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\nnone /mnt/huge\\0401G hugetlbfs rw,pagesize=1G 0 0\n';
    expect(hugetlbfsMounts(table)).toEqual(['/dev/hugepages', '/mnt/huge 1G']);
  });

  it("removes only its own prefix's files", async () => {
    const mount = join(root, 'huge');
    mkdirSync(mount);
    for (const name of ['pbd1map_0', 'pbd1map_1', 'pbd10map_0', 'otherprefixmap_0'])
      writeFileSync(join(mount, name), '');
    const mounts = join(root, 'mounts');
    writeFileSync(mounts, `nodev ${mount} hugetlbfs rw 0 0\n`);
    const removed = await removeHugepageFiles('pbd1', mounts);
    expect(removed.sort()).toEqual([join(mount, 'pbd1map_0'), join(mount, 'pbd1map_1')]);
    expect(existsSync(join(mount, 'pbd10map_0'))).toBe(true);
    expect(existsSync(join(mount, 'otherprefixmap_0'))).toBe(true);
  });
});
