// Child processes of a bench run (generator, DUTs, helpers): spawned with a hard lifetime, read line by
// line, stopped by their own PID (SIGINT, then SIGKILL), and killed at exit if anything is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PktbridgeError } from '../src/errors.js';

export interface BenchProcess {
  readonly pid: number;
  readonly name: string;
  readonly child: ChildProcess;
  /** The last ~64 KiB of stdout + stderr, for error messages. */
  output(): string;
  /** Resolves with the next stdout line that satisfies `match` (lines already seen are not replayed). */
  nextLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** Resolves once some line (stdout or stderr, including earlier ones) matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  write(text: string): void;
  readonly exited: Promise<number | string>;
  /** SIGINT, then SIGKILL after `graceMs`; idempotent. */
  stop(graceMs?: number): Promise<number | string>;
}

const live = new Set<BenchProcess>();
process.once('exit', () => {
  for (const proc of live) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Sends SIGINT to every live bench process (Ctrl-C of a run: trials fail, and cleanup follows). */
export function interruptAll(): void {
  for (const proc of live) proc.child.kill('SIGINT');
}

const TAIL_LIMIT = 64 * 1024;

export function startBenchProcess(
  name: string,
  command: string,
  args: string[],
  options: { maxLifetimeMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): BenchProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env, cwd: options.cwd });
  if (child.pid === undefined)
    throw new PktbridgeError('UNAVAILABLE', `could not start ${name} (${command})`);
  let tail = '';
  const allLines: string[] = [];
  const lineWaiters = new Set<(line: string) => void>();
  const append = (line: string): void => {
    tail = (tail + line + '\n').slice(-TAIL_LIMIT);
    allLines.push(line);
    if (allLines.length > 2000) allLines.splice(0, allLines.length - 2000);
    for (const waiter of [...lineWaiters]) waiter(line);
  };
  const stdoutLines: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    append(line);
    for (const listener of [...stdoutLines]) listener(line);
  });
  createInterface({ input: child.stderr! }).on('line', append);
  child.stdin?.on('error', () => undefined); // the child may exit while we write

  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('spawn-error'));
  });
  const lifetime = setTimeout(() => child.kill('SIGKILL'), options.maxLifetimeMs);
  lifetime.unref();

  const onceExited = (reject: (err: Error) => void, what: string): (() => void) => {
    let active = true;
    void exited.then((code) => {
      if (active)
        reject(
          new PktbridgeError('UNAVAILABLE', `${name} exited (${code}) before ${what}:\n${tail.slice(-4000)}`),
        );
    });
    return () => (active = false);
  };

  let stopping: Promise<number | string> | undefined;
  const proc: BenchProcess = {
    pid: child.pid,
    name,
    child,
    output: () => tail,
    write: (text) => void child.stdin?.write(text),
    exited,
    nextLine(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const cancelExit = onceExited(reject, 'printing the expected line');
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new PktbridgeError(
              'TIMEOUT',
              `${name}: no expected line within ${timeoutMs} ms:\n${tail.slice(-4000)}`,
            ),
          );
        }, timeoutMs);
        const listener = (line: string): void => {
          if (!match(line)) return;
          cleanup();
          resolve(line);
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          cancelExit();
          stdoutLines.splice(stdoutLines.indexOf(listener), 1);
        };
        stdoutLines.push(listener);
      });
    },
    waitFor(pattern, timeoutMs) {
      const seen = allLines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const cancelExit = onceExited(reject, `printing ${pattern}`);
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new PktbridgeError(
              'TIMEOUT',
              `${name}: no ${pattern} within ${timeoutMs} ms:\n${tail.slice(-4000)}`,
            ),
          );
        }, timeoutMs);
        const waiter = (line: string): void => {
          if (!pattern.test(line)) return;
          cleanup();
          resolve(line);
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          cancelExit();
          lineWaiters.delete(waiter);
        };
        lineWaiters.add(waiter);
      });
    },
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        clearTimeout(lifetime);
        live.delete(proc);
        return exited;
      })();
      return stopping;
    },
  };
  live.add(proc);
  void exited.then(() => {
    clearTimeout(lifetime);
    live.delete(proc);
  });
  return proc;
}

/** Runs a command to completion within `timeoutMs`; rejects with its stderr on a non-zero exit. */
export async function runCommand(command: string, args: string[], timeoutMs = 15_000): Promise<string> {
  const proc = startBenchProcess(command, command, args, { maxLifetimeMs: timeoutMs });
  proc.child.stdin?.end();
  const code = await proc.exited;
  if (code !== 0)
    throw new PktbridgeError(
      'INTERNAL',
      `${command} ${args.join(' ')} failed (${code}): ${proc.output().trim()}`,
    );
  return proc.output();
}

/** Polls `check` every 20 ms until it returns true or `timeoutMs` passes. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new PktbridgeError('TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
