// Harness for network namespaces and veth pairs in tests: unique names, created with iproute2, and
// always removed (explicitly, and at process exit for anything a failed test left behind).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run } from './process.js';

export interface Netns {
  readonly name: string;
  /** The bind-mounted namespace file, as CNI's CNI_NETNS and memif's `netns` option expect. */
  readonly path: string;
  /** Runs a command inside the namespace; rejects on a non-zero exit. */
  exec(command: string, args: string[]): Promise<string>;
  delete(): Promise<void>;
}

export interface VethPair {
  readonly hostName: string;
  readonly peerName: string;
  delete(): Promise<void>;
}

const liveNetns = new Set<string>();
const liveVeths = new Set<string>();

process.once('exit', () => {
  for (const name of liveVeths) trySync(['link', 'del', name]);
  for (const name of liveNetns) trySync(['netns', 'del', name]);
});

function trySync(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // already gone
  }
}

/** A short unique name (interface names are limited to 15 bytes). */
export function uniqueName(tag: string): string {
  return `${tag.slice(0, 6)}${randomBytes(3).toString('hex')}`;
}

export async function ip(args: string[]): Promise<string> {
  const result = await run('ip', args, { timeoutMs: 10_000 });
  if (result.code !== 0)
    throw new Error(`ip ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

export async function createNetns(name = uniqueName('pbns')): Promise<Netns> {
  await ip(['netns', 'add', name]);
  liveNetns.add(name);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
    path: `/var/run/netns/${name}`,
    async exec(command, args) {
      const result = await run('ip', ['netns', 'exec', name, command, ...args], { timeoutMs: 30_000 });
      if (result.code !== 0)
        throw new Error(`${command} in netns ${name} failed (${result.code}): ${result.stderr}`);
      return result.stdout;
    },
    async delete() {
      if (!liveNetns.has(name)) return;
      await run('ip', ['netns', 'del', name], { timeoutMs: 10_000 });
      liveNetns.delete(name);
    },
  };
}

/**
 * Creates a veth pair with `hostName` in the current namespace and `peerName` in `peerNetns` (or the
 * current namespace when omitted), both up.
 */
export async function createVethPair(options: {
  hostName?: string;
  peerName?: string;
  peerNetns?: Netns;
  mtu?: number;
}): Promise<VethPair> {
  const hostName = options.hostName ?? uniqueName('pbvh');
  const peerName = options.peerName ?? uniqueName('pbvp');
  await ip(['link', 'add', hostName, 'type', 'veth', 'peer', 'name', peerName]);
  liveVeths.add(hostName);
  if (options.peerNetns) await ip(['link', 'set', peerName, 'netns', options.peerNetns.name]);
  const peerPrefix = options.peerNetns ? ['-n', options.peerNetns.name] : [];
  if (options.mtu) {
    await ip(['link', 'set', hostName, 'mtu', String(options.mtu)]);
    await ip([...peerPrefix, 'link', 'set', peerName, 'mtu', String(options.mtu)]);
  }
  await ip(['link', 'set', hostName, 'up']);
  await ip([...peerPrefix, 'link', 'set', peerName, 'up']);
  return {
    hostName,
    peerName,
    async delete() {
      if (!liveVeths.has(hostName)) return;
      // Deleting one end removes both, wherever the peer lives.
      await run('ip', ['link', 'del', hostName], { timeoutMs: 10_000 });
      liveVeths.delete(hostName);
    },
  };
}

/** Adds an address (CIDR) to an interface, in `netns` when given. */
export async function addAddress(iface: string, cidr: string, netns?: Netns): Promise<void> {
  await ip([...(netns ? ['-n', netns.name] : []), 'addr', 'add', cidr, 'dev', iface]);
}
