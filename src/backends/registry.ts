// Backend registry: builds the backends the config enables, by name.
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Backend, BackendName } from './backend.js';
import { createNativeBackend, type NativeBackend } from './native/index.js';
import { createOvsBackend } from './ovs/index.js';
import { createSriovBackend } from './sriov/index.js';
import { createVppBackend } from './vpp/index.js';

export interface Backends {
  byName: Map<BackendName, Backend>;
  /** The native backend, whose engine also serves the port, xconnect and bridge API. */
  native?: NativeBackend;
}

type Factory = (config: Config, log: Logger) => Promise<Backend>;

const factories: Record<BackendName, Factory> = {
  native: (config, log) =>
    createNativeBackend({
      log,
      workerCpus: config.lcores,
      filePrefix: config.filePrefix,
      noHuge: config.noHuge === true,
      memoryMb: config.memoryMb,
      poolMbufs: config.poolMbufs,
      maxPorts: config.maxPorts,
    }),
  // These connect to their peer (VPP, ovsdb-server) on first use, so the daemon starts without them.
  vpp: async (config, log) => createVppBackend({ apiSocket: config.vpp.apiSocket, log }),
  'ovs-dpdk': async (config, log) => createOvsBackend({ db: config.ovs.db, bridge: config.ovs.bridge, log }),
  'sriov-dpdk': async (config, log) =>
    createSriovBackend({ sysfsRoot: config.sriov.sysfsRoot, stateDir: join(config.stateDir, 'sriov'), log }),
};

/** Creates every enabled backend; on failure closes the ones already made and rethrows. */
export async function createBackends(config: Config, log: Logger): Promise<Backends> {
  const byName = new Map<BackendName, Backend>();
  try {
    for (const name of config.backends) {
      byName.set(name, await factories[name](config, log.child({ backend: name })));
    }
  } catch (err) {
    await closeBackends({ byName }, log);
    throw err;
  }
  return { byName, native: byName.get('native') as NativeBackend | undefined };
}

/** Closes every backend, newest first; a failure is logged and the others still close. */
export async function closeBackends(backends: Pick<Backends, 'byName'>, log: Logger): Promise<void> {
  for (const [name, backend] of [...backends.byName].reverse()) {
    try {
      await backend.close();
    } catch (err) {
      log.error({ err, backend: name }, 'backend did not close cleanly');
    }
    backends.byName.delete(name);
  }
}
