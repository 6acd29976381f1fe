// Shared setup for native engine integration tests: one Engine per test file (EAL initialises once
// per process), a private socket directory, and removal of everything DPDK left behind.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { addonPath } from '../../../native-dpdk/ts/binding.js';
import { Engine, type EngineEvent, type EngineOptions } from '../../../native-dpdk/index.js';
import { removeDpdkFiles } from '../../helpers/dpdk-files.js';
import { uniquePrefix } from '../../helpers/testpmd.js';

/** Why native tests cannot run here, or undefined when they can. */
export function nativeSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'native DPDK tests need root';
  if (!existsSync(addonPath())) return `addon not built (${addonPath()}): run npm run build:addon`;
  return undefined;
}

export interface EngineFixture {
  engine: Engine;
  dir: string;
  filePrefix: string;
  events: EngineEvent[];
  close(): Promise<void>;
}

export async function startEngine(options: Partial<EngineOptions> = {}): Promise<EngineFixture> {
  const filePrefix = uniquePrefix('en');
  const dir = mkdtempSync('/tmp/pbt-');
  const engine = await Engine.init({ workerCpus: [1], filePrefix, logLevel: 'error', ...options });
  const events: EngineEvent[] = [];
  engine.on('event', (event: EngineEvent) => events.push(event));
  return {
    engine,
    dir,
    filePrefix,
    events,
    async close() {
      try {
        await engine.shutdown();
      } finally {
        rmSync(dir, { recursive: true, force: true });
        removeDpdkFiles(filePrefix);
      }
    },
  };
}

export { removeDpdkFiles };

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
