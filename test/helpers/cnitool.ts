// Harness for cnitool, the CNI library's own client (libcni 1.1.2): builds it once with the shared
// script (../shared/tools/build-cnitool.sh, relative to the repo root) and runs it bounded in time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run } from './process.js';

const repo = resolve(import.meta.dirname, '../..');
export const BUILD_SCRIPT = resolve(repo, '../shared/tools/build-cnitool.sh');
const toolsDir = join(repo, '.tools');

let binary: string | undefined;

/** Path of the cnitool binary, built into `.tools/` on first use (idempotent). */
export function cnitoolPath(): string {
  if (binary) return binary;
  const built = join(toolsDir, 'cnitool');
  if (!existsSync(built)) {
    if (!existsSync(BUILD_SCRIPT)) throw new Error(`cannot build cnitool: ${BUILD_SCRIPT} is missing`);
    execFileSync('bash', [BUILD_SCRIPT, toolsDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 600_000,
    });
  }
  binary = built;
  return built;
}

export interface CnitoolCall {
  command: 'add' | 'check' | 'del';
  network: string;
  netnsPath: string;
  /** Directory holding `<network>.conf` (NETCONFPATH). */
  confDir: string;
  /** Directories searched for plugins (CNI_PATH). */
  pluginDirs: string[];
  ifname?: string;
  cniArgs?: string;
  /** runtimeConfig values for the capabilities the config declares (CAP_ARGS). */
  capabilityArgs?: Record<string, unknown>;
  timeoutMs?: number;
}

export interface CnitoolOutcome {
  code: number | string;
  stdout: string;
  stderr: string;
}

export async function cnitool(call: CnitoolCall): Promise<CnitoolOutcome> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NETCONFPATH: call.confDir,
    CNI_PATH: call.pluginDirs.join(':'),
    CNI_IFNAME: call.ifname ?? 'net1',
  };
  if (call.cniArgs !== undefined) env.CNI_ARGS = call.cniArgs;
  if (call.capabilityArgs !== undefined) env.CAP_ARGS = JSON.stringify(call.capabilityArgs);
  return run(cnitoolPath(), [call.command, call.network, call.netnsPath], {
    env,
    timeoutMs: call.timeoutMs ?? 60_000,
  });
}

/** The container ID cnitool derives from the netns path ("cnitool-" + sha512 hex, 20 characters). */
export function cnitoolContainerId(netnsPath: string): string {
  return `cnitool-${createHash('sha512').update(netnsPath).digest('hex')}`.slice(0, 20);
}
