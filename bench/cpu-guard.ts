// Detects trials disturbed by other work on this 2-core machine: CPU time spent during the trial by
// processes outside this bench's own process tree (compilers, tests), from /proc/stat and
// /proc/<pid>/stat. A disturbed trial is repeated instead of being taken as the device's loss.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux for every architecture we run on). */
const USER_HZ = 100;

export interface CpuSnapshot {
  atMs: number;
  /** user + nice + system ticks over all CPUs. */
  busyTicks: number;
  stealTicks: number;
  /** user + system ticks of this process and all its descendants. */
  ownTicks: number;
}

function readSystemTicks(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0), steal: f[7] ?? 0 };
}

function readOwnTreeTicks(root: number): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state(0) ppid(1) ... utime(11) stime(12).
      parent.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended while we were reading
    }
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    let p: number | undefined = pid;
    for (let depth = 0; p !== undefined && p > 1 && depth < 64; depth++) {
      if (p === root) {
        total += t;
        break;
      }
      p = parent.get(p);
    }
  }
  return total;
}

export function cpuSnapshot(): CpuSnapshot {
  const system = readSystemTicks();
  return {
    atMs: Date.now(),
    busyTicks: system.busy,
    stealTicks: system.steal,
    ownTicks: readOwnTreeTicks(process.pid),
  };
}

export interface Disturbance {
  /** CPUs' worth of time used by other processes during the interval (0.25 = a quarter core). */
  foreignCpu: number;
  /** CPUs' worth of time the hypervisor stole. */
  stealCpu: number;
}

export function disturbanceBetween(before: CpuSnapshot, after: CpuSnapshot): Disturbance {
  const seconds = Math.max(0.001, (after.atMs - before.atMs) / 1000);
  const foreign = after.busyTicks - before.busyTicks - (after.ownTicks - before.ownTicks);
  return {
    foreignCpu: Math.max(0, foreign / USER_HZ / seconds),
    stealCpu: Math.max(0, (after.stealTicks - before.stealTicks) / USER_HZ / seconds),
  };
}

/**
 * Waits (up to `maxWaitMs`) for a 250 ms window in which other processes use at most `maxForeignCpu`,
 * so a retried trial does not land in the same compile or test run. Returns the last window's load.
 */
export async function waitForQuiet(maxForeignCpu: number, maxWaitMs: number): Promise<Disturbance> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const before = cpuSnapshot();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const load = disturbanceBetween(before, cpuSnapshot());
    if (load.foreignCpu + load.stealCpu <= maxForeignCpu || Date.now() > deadline) return load;
  }
}
