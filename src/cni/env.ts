// The CNI_* environment of one call, checked per command (error 4 naming the variable).
import { parseCniArgs, type CniArgs } from './args.js';
import { invalidEnv } from './errors.js';

export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION'] as const;
export type CniCommand = (typeof CNI_COMMANDS)[number];

export interface CniEnv {
  command: CniCommand;
  containerId: string;
  /** Empty when the runtime gave none (DEL after the sandbox is gone). */
  netns: string;
  ifname: string;
  args: CniArgs;
  /** CNI_PATH split into directories. */
  path: string[];
  /** Every CNI_* variable as received, passed on to the IPAM plugin. */
  raw: Record<string, string>;
}

type Variable = 'CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_PATH';

/** Which variables each command requires (as libcni's skel does). */
const REQUIRED: Record<CniCommand, Variable[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: ['CNI_PATH'],
  VERSION: [],
};

/** Container IDs name records and backend objects; real runtimes use 64 hex characters. */
export const MAX_CONTAINER_ID_LENGTH = 128;
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Linux IFNAMSIZ is 16 including the terminating NUL. */
export const MAX_IFNAME_LENGTH = 15;

function checkContainerId(id: string): void {
  if (id.length > MAX_CONTAINER_ID_LENGTH) {
    throw invalidEnv('CNI_CONTAINERID', `${id.length} characters, at most ${MAX_CONTAINER_ID_LENGTH}`);
  }
  if (!CONTAINER_ID.test(id)) {
    throw invalidEnv('CNI_CONTAINERID', `"${id}" must be alphanumeric, then [a-zA-Z0-9_.-]`);
  }
}

function checkIfname(name: string): void {
  if (name.length > MAX_IFNAME_LENGTH) {
    throw invalidEnv('CNI_IFNAME', `"${name}" is ${name.length} characters, at most ${MAX_IFNAME_LENGTH}`);
  }
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) {
    throw invalidEnv('CNI_IFNAME', `"${name}" is not a valid interface name`);
  }
}

export function parseEnv(env: Record<string, string | undefined>): CniEnv {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('CNI_') && value !== undefined) raw[key] = value;
  }
  const commandValue = raw.CNI_COMMAND;
  if (!commandValue) throw invalidEnv('CNI_COMMAND', 'not set');
  const command = CNI_COMMANDS.find((c) => c === commandValue);
  if (!command) throw invalidEnv('CNI_COMMAND', `unknown command "${commandValue}"`);
  for (const variable of REQUIRED[command]) {
    if (!raw[variable]) throw invalidEnv(variable, `required for ${command} but not set`);
  }
  const containerId = raw.CNI_CONTAINERID ?? '';
  const ifname = raw.CNI_IFNAME ?? '';
  if (containerId !== '') checkContainerId(containerId);
  if (ifname !== '') checkIfname(ifname);
  return {
    command,
    containerId,
    netns: raw.CNI_NETNS ?? '',
    ifname,
    args: parseCniArgs(raw.CNI_ARGS),
    path: (raw.CNI_PATH ?? '').split(':').filter((dir) => dir !== ''),
    raw,
  };
}
