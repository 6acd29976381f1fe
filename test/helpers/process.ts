// Harness for external processes in tests: spawn with a hard time bound, capture output, wait for a
// line, and stop by PID (SIGINT, then SIGKILL). Every process started here is stopped at exit too.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface ManagedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first line matching `pattern`; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** SIGINT, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<number | string>;
}

const live = new Set<ManagedProcess>();

function killAllSync(): void {
  for (const proc of live) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('exit', killAllSync);

export interface StartOptions extends SpawnOptions {
  /** The process is killed after this long whatever happens (default 120 s). */
  maxLifetimeMs?: number;
  /** Data written to stdin (stdin is closed afterwards unless keepStdinOpen). */
  stdin?: string;
  keepStdinOpen?: boolean;
}

export function startProcess(command: string, args: string[], options: StartOptions = {}): ManagedProcess {
  const { maxLifetimeMs = 120_000, stdin, keepStdinOpen, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOptions });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  let buffer = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    buffer += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  if (stdin !== undefined) child.stdin?.write(stdin);
  if (!keepStdinOpen) child.stdin?.end();

  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const lifetime = setTimeout(() => child.kill('SIGKILL'), maxLifetimeMs);
  lifetime.unref();

  const managed: ManagedProcess = {
    pid: child.pid,
    child,
    output: () => buffer,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const line = buffer.split('\n').find((l) => pattern.test(l));
          if (line === undefined) return false;
          cleanup();
          resolve(line);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from ${command}:\n${buffer}`),
          );
        }, timeoutMs);
        const onExit = (): void => {
          if (check()) return;
          cleanup();
          reject(new Error(`${command} exited before printing ${pattern}:\n${buffer}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(listener);
          child.off('exit', onExit);
        };
        const listener = (): void => void check();
        if (check()) return;
        listeners.add(listener);
        child.once('exit', onExit);
      });
    },
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      clearTimeout(lifetime);
      live.delete(managed);
      return exited;
    },
  };
  live.add(managed);
  void exited.then(() => {
    clearTimeout(lifetime);
    live.delete(managed);
  });
  return managed;
}

/** Runs a command to completion with a time bound; resolves with its exit code and output. */
export async function run(
  command: string,
  args: string[],
  options: StartOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const { timeoutMs = 60_000, ...rest } = options;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...rest });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  if (rest.stdin !== undefined) child.stdin?.write(rest.stdin);
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, signal) => resolve(c ?? signal ?? 'unknown'));
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}
