// Runs a CNI plugin binary (IPAM) with env + stdin, bounded in time: directly with child_process, or
// through vhost-cni-exec, a tiny helper process, because a fork from the daemon copies the page tables
// of its DPDK memory and costs ~10 ms (a fork from the helper: well under 1 ms).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';

export interface PluginOutcome {
  /** Exit code; 128+N when killed by signal N. */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type PluginRunner = (
  plugin: string,
  env: Record<string, string>,
  stdin: string,
  timeoutMs: number,
) => Promise<PluginOutcome>;

const MAX_OUTPUT = 1 << 20;

export const spawnPlugin: PluginRunner = (plugin, env, stdin, timeoutMs) =>
  new Promise((resolve, reject) => {
    const child = spawn(plugin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk.toString();
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const signalNumber = signal === 'SIGKILL' ? 9 : signal ? 15 : 0;
      resolve({ code: code ?? 128 + signalNumber, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });

const EXEC_FAILED = 1000;
const TIMED_OUT = 1001;

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

function field(text: string): Buffer[] {
  const bytes = Buffer.from(text);
  return [u32(bytes.length), bytes];
}

/** The helper could not be reached: nothing ran, so running the plugin another way is safe. */
class HelperUnreachable extends Error {}

/** One exec through the helper's socket (protocol in vhost-cni/exec-helper.c). */
function execThroughHelper(
  socketPath: string,
  plugin: string,
  env: Record<string, string>,
  stdin: string,
  timeoutMs: number,
): Promise<PluginOutcome> {
  const entries = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  const request = Buffer.concat([
    Buffer.from('PBX1'),
    u32(timeoutMs),
    ...field(plugin),
    u32(entries.length),
    ...entries.flatMap(field),
    ...field(stdin),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    // The helper enforces timeoutMs on the plugin; this only guards against a stuck helper.
    socket.setTimeout(timeoutMs + 5_000, () => socket.destroy(new Error('exec helper did not answer')));
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      socket.end(request);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => reject(connected ? err : new HelperUnreachable(err.message)));
    socket.on('close', () => {
      const reply = Buffer.concat(chunks);
      if (reply.length < 16 || reply.subarray(0, 4).toString() !== 'PBX1') {
        return reject(new Error('exec helper closed the connection without a reply'));
      }
      const status = reply.readUInt32BE(4);
      const outLength = reply.readUInt32BE(8);
      const stdout = reply.subarray(12, 12 + outLength).toString();
      const errLength = reply.readUInt32BE(12 + outLength);
      const stderr = reply.subarray(16 + outLength, 16 + outLength + errLength).toString();
      if (status === EXEC_FAILED) return reject(new Error(stderr || `cannot exec ${plugin}`));
      resolve({ code: status === TIMED_OUT ? 137 : status, stdout, stderr, timedOut: status === TIMED_OUT });
    });
  });
}

/** Where build.sh puts the helper, from src/cni (tsx) or dist/src/cni (built). */
export function defaultExecHelperBinary(): string | undefined {
  for (const relative of [
    '../../vhost-cni/build/vhost-cni-exec',
    '../../../vhost-cni/build/vhost-cni-exec',
  ]) {
    const file = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

export interface ExecHelper {
  run: PluginRunner;
  close(): Promise<void>;
}

/**
 * Starts the helper listening on `socketPath`. Its runner falls back to a direct spawn when the helper
 * is gone, so IPAM delegation never depends on it.
 */
export async function startExecHelper(binary: string, socketPath: string, log: Logger): Promise<ExecHelper> {
  const child: ChildProcess = spawn(binary, [socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${binary} did not start`)), 5_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${binary} exited with ${code}`)));
      child.stdout?.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.removeAllListeners('exit');
  let alive = true;
  child.once('exit', (code, signal) => {
    alive = false;
    log.warn({ code, signal }, 'IPAM exec helper exited; spawning plugins directly');
  });
  return {
    run: async (plugin, env, stdin, timeoutMs) => {
      if (!alive) return spawnPlugin(plugin, env, stdin, timeoutMs);
      try {
        return await execThroughHelper(socketPath, plugin, env, stdin, timeoutMs);
      } catch (err) {
        // Once the request is sent the plugin may have run: only an unreachable helper is retried.
        if (!(err instanceof HelperUnreachable)) throw err;
        log.warn({ err: err.message }, 'IPAM exec helper unreachable; spawning the plugin directly');
        return spawnPlugin(plugin, env, stdin, timeoutMs);
      }
    },
    async close() {
      if (alive) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(socketPath, { force: true });
    },
  };
}
