// The native DUT's configuration (passed as JSON to native-dut.ts) and where the engine lives.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const nativeDutConfigSchema = z.object({
  portType: z.enum(['memif', 'vhost-user']),
  mode: z.enum(['xconnect', 'bridge']),
  sockets: z.tuple([z.string().min(1), z.string().min(1)]),
  workerCpu: z.number().int().min(0),
  filePrefix: z.string().min(1),
});
export type NativeDutConfig = z.infer<typeof nativeDutConfigSchema>;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NATIVE_INDEX = join(repoRoot, 'native-dpdk', 'index.ts');
/** The compiled addon (PKTBRIDGE_ADDON points elsewhere, e.g. at the ASan build). */
export const NATIVE_ADDON =
  process.env.PKTBRIDGE_ADDON ?? join(repoRoot, 'native-dpdk', 'build', 'Release', 'pktbridge_dpdk.node');
