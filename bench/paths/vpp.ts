// VPP as the DUT (memif l2 xconnect). Runs only against a configured VPP API socket; this machine has
// no VPP, and the vpp-api feature calls it needs (memif socket/interface create, l2 xconnect) have not
// landed, so the path reports why it is skipped instead of measuring.
import { existsSync } from 'node:fs';
import { PktbridgeError } from '../../src/errors.js';
import type { PathUnderTest } from './types.js';

export const vppMemifPath: PathUnderTest = {
  name: 'vpp-memif',
  label: 'VPP l2 xconnect (memif)',
  dataplane: 'vpp',
  portType: 'memif',
  kernel: false,
  unavailableReason: async ({ vppSocket }) => {
    if (!vppSocket) return 'no VPP API socket configured (--vpp-socket or PKTBRIDGE_VPP_SOCKET)';
    if (!existsSync(vppSocket)) return `VPP API socket ${vppSocket} does not exist`;
    return 'driving VPP needs the vpp-api memif and l2 xconnect calls, which have not landed';
  },
  start: async () => {
    throw new PktbridgeError('FAILED_PRECONDITION', 'the VPP path is not available (see its skip reason)');
  },
};
