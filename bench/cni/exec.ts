// One timed CNI plugin exec (the whole process, as a runtime pays it): env + stdin in, wall time,
// exit code and stdout out, bounded in time.
import { spawn } from 'node:child_process';

export interface TimedExec {
  ms: number;
  code: number | null;
  stdout: string;
}

export function timedExec(
  plugin: string,
  env: Record<string, string>,
  stdin: string,
  timeoutMs = 60_000,
): Promise<TimedExec> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(plugin, [], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stdout });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}
