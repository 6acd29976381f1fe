// Factory of the vpp backend: nothing connects until first use, so the daemon starts without VPP.
import type { Logger } from '../../log.js';
import { VppBackend, type VppBackendOptions } from './backend.js';

export { VppBackend, type VppBackendOptions };

export function createVppBackend(
  options: { apiSocket: string; log: Logger } & Partial<Omit<VppBackendOptions, 'apiSocket' | 'log'>>,
): VppBackend {
  return new VppBackend(options);
}
