// Per-VF mutual exclusion: an in-process queue plus an O_EXCL lock file (holding the owner's PID) so
// that two daemons or a daemon and a manual tool never configure the same VF at once.
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PktbridgeError } from '../../errors.js';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class VfLocks {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Runs `fn` while holding the lock of VF `pci`; UNAVAILABLE if it cannot be had in time. */
  async with<T>(pci: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(pci) ?? Promise.resolve();
    let release!: () => void;
    const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.queues.set(pci, mine);
    await previous;
    try {
      const path = join(this.dir, `${pci}.lock`);
      await this.acquire(path, pci);
      try {
        return await fn();
      } finally {
        await unlink(path).catch(() => undefined);
      }
    } finally {
      release();
      if (this.queues.get(pci) === mine) this.queues.delete(pci);
    }
  }

  private async acquire(path: string, pci: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        const handle = await open(path, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
        // The holder died with the lock: move its file aside (atomic, so only one taker wins) and retry.
        const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
        if (
          await rename(path, aside).then(
            () => true,
            () => false,
          )
        )
          await unlink(aside).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new PktbridgeError(
          'UNAVAILABLE',
          `VF ${pci} is locked by process ${holder || 'unknown'} (${path}); try again later`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
