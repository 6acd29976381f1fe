// The shared dataplane lock (/tmp/pktbridge-dataplane.lock) held for a whole bench run, so no other
// busy poller shares the 2 cores. Taken by a child `flock` process (Node has no flock); when an
// ancestor of this process already holds it (`flock LOCK npx vitest ...`), taking it again would
// deadlock, so that case is recognised through /proc/locks and the lock is used as is.
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { PktbridgeError } from '../src/errors.js';
import { startBenchProcess } from './proc.js';

export const DATAPLANE_LOCK = '/tmp/pktbridge-dataplane.lock';

export interface HeldLock {
  /** `inherited` when an ancestor process holds the lock for us. */
  readonly how: 'acquired' | 'inherited';
  release(): Promise<void>;
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function ancestors(): Set<number> {
  const result = new Set<number>();
  let pid: number | undefined = process.pid;
  while (pid !== undefined && pid > 1 && !result.has(pid)) {
    result.add(pid);
    pid = parentPid(pid);
  }
  return result;
}

/** PIDs holding an flock on the file with this inode, from /proc/locks. */
export function lockHolders(path: string): number[] {
  const { ino } = statSync(path);
  const holders: number[] = [];
  for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== 'FLOCK') continue;
    const inode = fields[5]?.split(':')[2];
    if (inode !== undefined && Number(inode) === ino) holders.push(Number(fields[4]));
  }
  return holders;
}

export async function acquireDataplaneLock(
  timeoutMs: number,
  onWait?: (holders: number[]) => void,
): Promise<HeldLock> {
  closeSync(openSync(DATAPLANE_LOCK, 'a'));
  const mine = ancestors();
  const holders = lockHolders(DATAPLANE_LOCK);
  if (holders.some((pid) => mine.has(pid))) return { how: 'inherited', release: async () => undefined };
  if (holders.length > 0) onWait?.(holders);
  const waitS = Math.max(1, Math.ceil(timeoutMs / 1000));
  // `cat` keeps the lock until its stdin closes: on release, or when this process dies.
  const holder = startBenchProcess(
    'flock',
    'flock',
    ['-x', '-w', String(waitS), DATAPLANE_LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'],
    { maxLifetimeMs: 24 * 3600_000 },
  );
  try {
    await holder.waitFor(/^locked$/, timeoutMs + 2_000);
  } catch (err) {
    await holder.stop(1_000);
    throw new PktbridgeError(
      'TIMEOUT',
      `could not take ${DATAPLANE_LOCK} within ${waitS} s (held by ${holders.join(', ')})`,
      {
        holders,
      },
      { cause: err },
    );
  }
  return {
    how: 'acquired',
    async release() {
      holder.child.stdin?.end();
      await holder.stop(2_000);
    },
  };
}
