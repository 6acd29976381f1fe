// Public face of the OVS-DPDK backend: the factory the daemon registers.
import type { Logger } from '../../log.js';
import type { Backend } from '../backend.js';
import { DEFAULT_BRIDGE, DEFAULT_OVSDB } from './config.js';
import { OvsBackend } from './ovsBackend.js';
import { OvsdbSessions } from './sessions.js';

export { DEFAULT_BRIDGE, DEFAULT_OVSDB, ovsNetworkConfigSchema, type OvsNetworkConfig } from './config.js';
export { OvsdbClient, type OvsdbClientOptions } from './ovsdbClient.js';

export interface OvsBackendOptions {
  /** Default OVSDB remote (`unix:/path` or `tcp:host:port`); a network's `ovs.db` overrides it. */
  db?: string;
  /** Default bridge; a network's `ovs.bridge` overrides it. */
  bridge?: string;
  log: Logger;
  /** Create a missing bridge with datapath_type=netdev (default false). */
  createBridge?: boolean;
  /** OVS's vhost-sock-dir, for dpdkvhostuser ports (default /var/run/openvswitch). */
  vhostSockDir?: string;
  /** How long an attach waits for ovs-vswitchd to assign an ofport (default 10 s). */
  attachTimeoutMs?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  echoIntervalMs?: number;
}

export function createOvsBackend(options: OvsBackendOptions): Backend {
  const sessions = new OvsdbSessions({
    log: options.log,
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.echoIntervalMs !== undefined ? { echoIntervalMs: options.echoIntervalMs } : {}),
  });
  return new OvsBackend(
    {
      db: options.db ?? DEFAULT_OVSDB,
      bridge: options.bridge ?? DEFAULT_BRIDGE,
      createBridge: options.createBridge ?? false,
      vhostSockDir: options.vhostSockDir ?? '/var/run/openvswitch',
      attachTimeoutMs: options.attachTimeoutMs ?? 10_000,
    },
    sessions,
    options.log,
  );
}
