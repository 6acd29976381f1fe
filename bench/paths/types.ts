// What every path under test provides to the runner: whether it can run here, and how to start its
// DUT and which generator ports reach it.
import type { PathName } from '../options.js';
import type { GeneratorPort } from '../trafficgen/generator.js';

export type Dataplane = 'pktbridge' | 'testpmd' | 'ovs-dpdk' | 'vpp' | 'kernel';
export type PortType = 'memif' | 'vhost-user' | 'veth';

export interface PathContext {
  /** A private directory for this path's sockets, removed by the runner afterwards. */
  workDir: string;
  dutCpu: number;
  /** Unique DPDK --file-prefix for the DUT process. */
  filePrefix: string;
  maxLifetimeMs: number;
  vppSocket?: string;
  log(message: string): void;
}

export interface RunningPath {
  generatorPorts: GeneratorPort[];
  /** Network namespace the generator must run in (af_packet endpoints), if any. */
  generatorNetns?: string;
  /** Stops the DUT and removes what start() created; called once the generator is idle or gone. */
  stop(): Promise<void>;
}

export interface PathUnderTest {
  readonly name: PathName;
  readonly label: string;
  readonly dataplane: Dataplane;
  readonly portType: PortType;
  /** Kernel paths are searched up to the (much lower) kernel maximum rate. */
  readonly kernel: boolean;
  /** Undefined when the path can run on this machine, else the reason it is skipped. */
  unavailableReason(ctx: { vppSocket?: string }): Promise<string | undefined>;
  start(ctx: PathContext): Promise<RunningPath>;
}
