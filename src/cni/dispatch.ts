// One CNI call from env + stdin to exit code + stdout: env checks, config parsing, version choice
// and gating, then the command; every failure becomes the spec's error object.
import type { AttachmentService } from '../attachments/service.js';
import type { Logger } from '../log.js';
import type { CniCall, CommandOutput } from './call.js';
import { cmdAdd } from './commands/add.js';
import { cmdCheck } from './commands/check.js';
import { cmdDel } from './commands/del.js';
import { cmdGc } from './commands/gc.js';
import { cmdStatus } from './commands/status.js';
import { parseEnv, type CniCommand } from './env.js';
import { errorJson, toCniError } from './errors.js';
import { parseJson, validateNetconf } from './netconf.js';
import type { PluginRunner } from './plugin-runner.js';
import { chooseVersion, FALLBACK_VERSION, isSupported, requireVersionFor, versionInfo } from './version.js';

export interface CniInvocation {
  env: Record<string, string>;
  stdin: string;
}

export interface CniReply {
  exitCode: number;
  stdout: string;
}

export interface CniDeps {
  service: AttachmentService;
  log: Logger;
  ipamTimeoutMs?: number;
  runPlugin?: PluginRunner;
}

const COMMANDS: Record<Exclude<CniCommand, 'VERSION'>, (call: CniCall) => Promise<CommandOutput>> = {
  ADD: cmdAdd,
  DEL: cmdDel,
  CHECK: cmdCheck,
  GC: cmdGc,
  STATUS: cmdStatus,
};

function declaredVersion(stdin: string): string {
  try {
    const version = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof version === 'string' && isSupported(version) ? version : FALLBACK_VERSION;
  } catch {
    return FALLBACK_VERSION;
  }
}

export async function handleCniCall(invocation: CniInvocation, deps: CniDeps): Promise<CniReply> {
  const started = performance.now();
  let version: string = declaredVersion(invocation.stdin);
  const log = deps.log.child({
    cni: invocation.env.CNI_COMMAND,
    containerId: invocation.env.CNI_CONTAINERID,
  });
  try {
    const env = parseEnv(invocation.env);
    const raw = parseJson(invocation.stdin);
    if (env.command === 'VERSION') {
      const asked = typeof raw.cniVersion === 'string' ? raw.cniVersion : undefined;
      return { exitCode: 0, stdout: `${JSON.stringify(versionInfo(asked))}\n` };
    }
    const netconf = validateNetconf(raw);
    const chosen = chooseVersion(netconf.cniVersion, netconf.cniVersions);
    version = chosen;
    requireVersionFor(env.command, chosen);
    const call: CniCall = {
      env,
      raw,
      netconf,
      version: chosen,
      service: deps.service,
      log,
      ipamTimeoutMs: deps.ipamTimeoutMs,
      runPlugin: deps.runPlugin,
    };
    const output = await COMMANDS[env.command](call);
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    log.info({ ifname: env.ifname, network: netconf.name, durationMs }, `CNI ${env.command} ok`);
    return { exitCode: 0, stdout: output === undefined ? '' : `${JSON.stringify(output)}\n` };
  } catch (err) {
    const cniError = toCniError(err);
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    log.warn({ code: cniError.code, msg: cniError.message, durationMs }, 'CNI call failed');
    return { exitCode: 1, stdout: `${JSON.stringify(errorJson(cniError, version))}\n` };
  }
}
