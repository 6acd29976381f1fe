// OVS-DPDK as the DUT: a private ovsdb-server + ovs-vswitchd (test/helpers/ovs.ts), a netdev bridge with
// two dpdkvhostuser ports and two OpenFlow rules that cross-connect them, one PMD thread on the DUT CPU.
import { join } from 'node:path';
import { hasOvsDpdk, startPrivateOvs } from '../../test/helpers/ovs.js';
import { runCommand } from '../proc.js';
import { removeDpdkFiles } from '../../test/helpers/dpdk-files.js';
import type { PathContext, PathUnderTest, RunningPath } from './types.js';

async function startOvsPath(ctx: PathContext): Promise<RunningPath> {
  const ovs = await startPrivateOvs({ vswitchd: true, pmdCpuMask: `0x${(1 << ctx.dutCpu).toString(16)}` });
  const stop = async (): Promise<void> => {
    await ovs.stop();
    removeDpdkFiles(ovs.filePrefix);
  };
  try {
    await ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev');
    for (const port of ['vhu0', 'vhu1'])
      await ovs.vsctl('add-port', 'br0', port, '--', 'set', 'Interface', port, 'type=dpdkvhostuser');
    const mgmt = `unix:${join(ovs.dir, 'br0.mgmt')}`;
    await runCommand('ovs-ofctl', ['del-flows', mgmt]);
    await runCommand('ovs-ofctl', ['add-flow', mgmt, 'in_port=vhu0,actions=output:vhu1']);
    await runCommand('ovs-ofctl', ['add-flow', mgmt, 'in_port=vhu1,actions=output:vhu0']);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    generatorPorts: [
      { kind: 'virtio-user', socketPath: join(ovs.dir, 'vhu0') },
      { kind: 'virtio-user', socketPath: join(ovs.dir, 'vhu1') },
    ],
    stop,
  };
}

export const ovsVhostPath: PathUnderTest = {
  name: 'ovs-vhost',
  label: 'OVS-DPDK (vhost-user)',
  dataplane: 'ovs-dpdk',
  portType: 'vhost-user',
  kernel: false,
  unavailableReason: async () => hasOvsDpdk(),
  start: startOvsPath,
};
