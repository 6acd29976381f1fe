// Loads the compiled addon (native-dpdk/build, or PKTBRIDGE_ADDON for e.g. the ASan build) and
// describes its raw, untyped-at-runtime surface.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativePortRequest } from './devargs.js';
import { EngineError } from './errors.js';

export interface RawPortInfo {
  name: string;
  kind: string;
  portId: number;
  mac: string;
  linkUp: boolean;
  socketPath?: string;
}

export interface NativeBinding {
  init(
    options: object,
    onEvent: (event: { type: string; port: string; at: number }) => void,
  ): Promise<string[]>;
  addPort(request: NativePortRequest): Promise<RawPortInfo>;
  removePort(name: string): Promise<void>;
  connect(a: string, b: string): Promise<void>;
  disconnect(port: string): Promise<void>;
  createBridge(name: string): Promise<void>;
  deleteBridge(name: string): Promise<void>;
  bridgeAddPort(bridge: string, port: string): Promise<void>;
  bridgeRemovePort(port: string): Promise<void>;
  ports(): RawPortInfo[];
  stats(name: string): Record<string, number>;
  xstats(name: string): Record<string, number>;
  workerStats(): Array<Record<string, number>>;
  shutdown(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** native-dpdk/ whether this file runs from native-dpdk/ts or from dist/native-dpdk/ts. */
function addonRoot(): string {
  for (const candidate of [join(here, '..'), join(here, '..', '..', '..', 'native-dpdk')]) {
    if (existsSync(join(candidate, 'CMakeLists.txt'))) return candidate;
  }
  return join(here, '..');
}

export function addonPath(): string {
  return process.env.PKTBRIDGE_ADDON ?? join(addonRoot(), 'build', 'Release', 'pktbridge_dpdk.node');
}

let cached: NativeBinding | undefined;

export function loadBinding(): NativeBinding {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    throw new EngineError(
      'ADDON_NOT_BUILT',
      `the native DPDK addon is not built (${path}): run npm run build:addon`,
    );
  }
  try {
    cached = createRequire(import.meta.url)(path) as NativeBinding;
  } catch (err) {
    throw new EngineError(
      'ADDON_NOT_BUILT',
      `cannot load the native DPDK addon ${path} (${(err as Error).message}): run npm run build:addon`,
      undefined,
      { cause: err },
    );
  }
  return cached;
}
