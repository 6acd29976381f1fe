// What every CNI command receives: the checked env, the config (raw and validated), the version to
// answer in, and the daemon's attachment service.
import type { AttachmentService } from '../attachments/service.js';
import type { Logger } from '../log.js';
import type { CniEnv } from './env.js';
import type { IpamCall } from './ipam.js';
import type { PluginRunner } from './plugin-runner.js';
import type { Netconf } from './netconf.js';
import type { CniVersion } from './version.js';

export interface CniCall {
  env: CniEnv;
  /** stdin as parsed JSON, every key kept (IPAM plugins get it). */
  raw: Record<string, unknown>;
  netconf: Netconf;
  version: CniVersion;
  service: AttachmentService;
  log: Logger;
  /** IPAM exec time bound (tests shorten it). */
  ipamTimeoutMs?: number;
  /** How IPAM plugins are exec'd (default: a direct spawn). */
  runPlugin?: PluginRunner;
}

/** The IPAM call for this CNI call, or undefined when the config has no `ipam`. */
export function ipamCallOf(call: CniCall): IpamCall | undefined {
  if (!call.netconf.ipam) return undefined;
  return {
    type: call.netconf.ipam.type,
    env: call.env,
    netconf: call.raw,
    version: call.version,
    timeoutMs: call.ipamTimeoutMs,
    runPlugin: call.runPlugin,
  };
}

/** A command's stdout object, or undefined when it prints nothing. */
export type CommandOutput = Record<string, unknown> | undefined;
