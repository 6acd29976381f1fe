// IPAM delegation: exec the plugin named in ipam.type from CNI_PATH with the caller's CNI env and
// the netconf bytes, bounded in time; its CNI error comes back with its own code.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { CniCode, CniError, invalidConfig } from './errors.js';
import type { CniEnv } from './env.js';
import { spawnPlugin, type PluginOutcome, type PluginRunner } from './plugin-runner.js';
import { parseIpamResult, type IpamResult } from './result.js';

export type IpamCommand = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

export interface IpamCall {
  type: string;
  env: CniEnv;
  /** The parsed netconf as received; sent to the plugin re-serialised. */
  netconf: Record<string, unknown>;
  /** The version the call is answered in (set as the plugin's cniVersion). */
  version: string;
  timeoutMs?: number;
  /** How the plugin is exec'd (default: a direct spawn). */
  runPlugin?: PluginRunner;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Plugins that answered "incompatible version" to 1.1.0 (e.g. plugins 1.1.x speak up to 1.0.0). */
const without110 = new Set<string>();

export function findPlugin(type: string, path: string[]): string {
  for (const dir of path) {
    const candidate = join(dir, type);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw invalidConfig('ipam.type', `plugin "${type}" not found in CNI_PATH (${path.join(':')})`);
}

async function run(
  plugin: string,
  command: IpamCommand,
  call: IpamCall,
  cniVersion: unknown,
): Promise<PluginOutcome> {
  const stdin = JSON.stringify({ ...call.netconf, cniVersion });
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    ...call.env.raw,
    CNI_COMMAND: command,
  };
  let outcome: PluginOutcome;
  try {
    outcome = await (call.runPlugin ?? spawnPlugin)(plugin, env, stdin, call.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } catch (err) {
    throw new CniError(CniCode.IO_FAILURE, `IPAM plugin ${call.type}: ${String(err)}`, call.type);
  }
  if (outcome.timedOut) {
    throw new CniError(CniCode.TRY_AGAIN_LATER, `IPAM plugin ${call.type} ${command} timed out`, call.type);
  }
  return outcome;
}

function pluginError(type: string, stdout: string, stderr: string): CniError {
  try {
    const parsed = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof parsed.code === 'number') {
      const details =
        typeof parsed.details === 'string' && parsed.details !== '' ? parsed.details : undefined;
      return new CniError(parsed.code, `IPAM plugin ${type}: ${String(parsed.msg ?? '')}`, details);
    }
  } catch {
    // not a CNI error object: report what it printed
  }
  return new CniError(
    CniCode.INTERNAL,
    `IPAM plugin ${type} failed: ${(stdout || stderr).trim().slice(0, 500)}`,
  );
}

/**
 * Runs one IPAM command. A 1.1.0 config is retried once as 1.0.0 when the plugin does not speak 1.1.0
 * (the IP result is the same in both); GC and STATUS, which 1.0.0 lacks, then resolve to undefined.
 */
export async function execIpam(command: IpamCommand, call: IpamCall): Promise<IpamResult | undefined> {
  const plugin = findPlugin(call.type, call.env.path);
  const version = call.version;
  const downgrade = version === '1.1.0' && without110.has(plugin);
  if (downgrade && (command === 'GC' || command === 'STATUS')) return undefined;
  let outcome = await run(plugin, command, call, downgrade ? '1.0.0' : version);
  if (outcome.code !== 0 && version === '1.1.0' && !downgrade) {
    const err = pluginError(call.type, outcome.stdout, outcome.stderr);
    if (err.code !== CniCode.INCOMPATIBLE_VERSION) throw err;
    without110.add(plugin);
    if (command === 'GC' || command === 'STATUS') return undefined;
    outcome = await run(plugin, command, call, '1.0.0');
  }
  if (outcome.code !== 0) throw pluginError(call.type, outcome.stdout, outcome.stderr);
  if (command !== 'ADD') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(outcome.stdout);
  } catch {
    throw new CniError(CniCode.DECODE_FAILURE, `IPAM plugin ${call.type} printed a result that is not JSON`);
  }
  return parseIpamResult(json);
}
