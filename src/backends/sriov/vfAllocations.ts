// Which attachment holds which VF, with the VF's original settings: one small JSON file per VF,
// written atomically. It is the SR-IOV backend's cache (like sriov-cni's), read on DEL and for GC.
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const settingsSchema = z.object({
  mac: z.string().optional(),
  vlan: z.number().optional(),
  qos: z.number().optional(),
  vlanProto: z.enum(['802.1Q', '802.1ad']).optional(),
  spoofchk: z.boolean().optional(),
  trust: z.boolean().optional(),
  linkState: z.enum(['auto', 'enable', 'disable']).optional(),
  minTxRate: z.number().optional(),
  maxTxRate: z.number().optional(),
});

export const vfAllocationSchema = z.object({
  pci: z.string(),
  attachmentId: z.string(),
  containerId: z.string(),
  netns: z.string().optional(),
  pfIfname: z.string().optional(),
  vfIndex: z.number().int().optional(),
  /** What to put back on DEL: the original values of the settings applied. */
  restore: settingsSchema,
  applied: settingsSchema,
});

export type VfAllocation = z.infer<typeof vfAllocationSchema>;

export class VfAllocations {
  constructor(private readonly dir: string) {}

  private path(pci: string): string {
    return join(this.dir, `${pci}.json`);
  }

  /** The allocation of `pci`, or undefined when there is none (or it is unreadable: treated as none). */
  async get(pci: string): Promise<VfAllocation | undefined> {
    const text = await readFile(this.path(pci), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const parsed = vfAllocationSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  async put(allocation: VfAllocation): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.path(allocation.pci);
    const temp = `${target}.tmp-${process.pid}`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(allocation));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  }

  async remove(pci: string): Promise<void> {
    await unlink(this.path(pci)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async list(): Promise<VfAllocation[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const all = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.get(n.slice(0, -5))),
    );
    return all.filter((a): a is VfAllocation => a !== undefined);
  }
}
