// The kernel path a pod would otherwise get: veth pairs into a namespace where a Linux bridge joins
// them (what the bridge CNI plugin builds). The generator sits in a second namespace on the other
// veth ends with af_packet ports. Both namespaces are created here and removed by stop().
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { runCommand } from '../proc.js';
import type { PathContext, PathUnderTest, RunningPath } from './types.js';

const ip = (args: string[]): Promise<string> => runCommand('ip', args, 10_000);

async function startKernelPath(ctx: PathContext): Promise<RunningPath> {
  const tag = randomBytes(3).toString('hex');
  const genNs = `pbbg${tag}`; // generator side ("the pods")
  const dutNs = `pbbk${tag}`; // the kernel switch ("the host")
  const created: string[] = [];
  const stop = async (): Promise<void> => {
    // Deleting a namespace removes its veth ends, and with them their peers.
    for (const ns of created.reverse()) await ip(['netns', 'del', ns]).catch(() => undefined);
  };
  try {
    for (const ns of [genNs, dutNs]) {
      await ip(['netns', 'add', ns]);
      created.push(ns);
      // No IPv6 chatter (router solicitations, MLD) on the measured links.
      await runCommand('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      await runCommand('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    await ip(['-n', dutNs, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    for (const i of [0, 1]) {
      await ip([
        '-n',
        genNs,
        'link',
        'add',
        `g${i}`,
        'type',
        'veth',
        'peer',
        'name',
        `k${i}`,
        'netns',
        dutNs,
      ]);
      await ip(['-n', dutNs, 'link', 'set', `k${i}`, 'master', 'br0']);
      await ip(['-n', dutNs, 'link', 'set', `k${i}`, 'up']);
      await ip(['-n', genNs, 'link', 'set', `g${i}`, 'up']);
    }
    await ip(['-n', dutNs, 'link', 'set', 'br0', 'up']);
  } catch (err) {
    await stop();
    throw err;
  }
  ctx.log(`kernel path: generator in netns ${genNs}, bridge br0 in netns ${dutNs}`);
  return {
    generatorPorts: [
      { kind: 'af_packet', iface: 'g0' },
      { kind: 'af_packet', iface: 'g1' },
    ],
    generatorNetns: genNs,
    stop,
  };
}

export const kernelVethPath: PathUnderTest = {
  name: 'kernel-veth',
  label: 'kernel veth + bridge',
  dataplane: 'kernel',
  portType: 'veth',
  kernel: true,
  unavailableReason: async () =>
    existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') || existsSync('/usr/bin/ip')
      ? undefined
      : 'iproute2 (ip) is not installed',
  start: startKernelPath,
};
