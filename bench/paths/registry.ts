// Every path the bench knows, by name, in the order they are measured within a round.
import type { PathName } from '../options.js';
import { kernelVethPath } from './kernel.js';
import { nativeBridgeMemifPath, nativeMemifPath, nativeVhostPath } from './native.js';
import { ovsVhostPath } from './ovs.js';
import { testpmdMemifPath, testpmdVhostPath } from './testpmd.js';
import type { PathUnderTest } from './types.js';
import { vppMemifPath } from './vpp.js';

export const PATHS: Record<PathName, PathUnderTest> = {
  'native-memif': nativeMemifPath,
  'native-vhost': nativeVhostPath,
  'native-bridge-memif': nativeBridgeMemifPath,
  'testpmd-memif': testpmdMemifPath,
  'testpmd-vhost': testpmdVhostPath,
  'ovs-vhost': ovsVhostPath,
  'vpp-memif': vppMemifPath,
  'kernel-veth': kernelVethPath,
};
