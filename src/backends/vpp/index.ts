// Factory of the vpp backend: nothing connects until first use, so the daemon starts without VPP.
import { loadDefinitions } from '../../../vpp-api/definitions.js';
import type { Logger } from '../../log.js';
import { VppBackend, type VppBackendOptions } from './backend.js';

export { VppBackend, type VppBackendOptions };

export interface CreateVppBackendOptions extends Partial<Omit<VppBackendOptions, 'apiSocket' | 'log'>> {
  apiSocket: string;
  log: Logger;
  /** Speak with the .api.json of the VPP host (e.g. /usr/share/vpp/api) instead of the bundled copy. */
  definitionsDir?: string;
}

export function createVppBackend(options: CreateVppBackendOptions): VppBackend {
  const { definitionsDir, ...rest } = options;
  return new VppBackend({
    ...rest,
    definitions: rest.definitions ?? (definitionsDir ? loadDefinitions(definitionsDir) : undefined),
  });
}
