// Factory of the native backend: initialises the in-process engine (EAL + workers) from the config.
import type { Logger } from '../../log.js';
import { NativeBackend } from './backend.js';
import { NativeDataplane } from './dataplane.js';
import { removeHugepageFiles } from './hugepage-files.js';

export interface NativeBackendOptions {
  log: Logger;
  workerCpus: number[];
  filePrefix: string;
  noHuge: boolean;
  memoryMb: number;
  poolMbufs?: number;
  maxPorts: number;
}

export { NativeBackend, NativeDataplane };

export async function createNativeBackend(options: NativeBackendOptions): Promise<NativeBackend> {
  // Loaded on demand: the addon maps hugepages at init and only a daemon with `native` needs it.
  const { Engine } = await import('../../../native-dpdk/index.js');
  const engine = await Engine.init({
    workerCpus: options.workerCpus,
    filePrefix: options.filePrefix,
    noHuge: options.noHuge,
    memoryMb: options.memoryMb,
    poolMbufs: options.poolMbufs,
    // virtio-user peers pass no packets with hugepages unless segments are single files.
    singleFileSegments: !options.noHuge,
    logLevel: 'warning',
  });
  options.log.info({ workerCpus: options.workerCpus, noHuge: options.noHuge }, 'native engine ready');
  const removeOwnHugepageFiles = async (): Promise<void> => {
    if (options.noHuge) return;
    const removed = await removeHugepageFiles(options.filePrefix);
    options.log.debug({ removed }, 'hugepage files removed');
  };
  return new NativeBackend(
    new NativeDataplane(engine, options.log, options.maxPorts),
    options.log,
    removeOwnHugepageFiles,
  );
}
