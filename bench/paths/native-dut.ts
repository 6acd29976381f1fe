// The pktbridge native engine as a DUT in its own process (so generator and DUT never share an EAL):
// two memif or vhost-user server ports, cross-connected or in one L2 bridge, one worker lcore.
// Usage: tsx bench/paths/native-dut.ts '<json config>'; prints {"type":"ready"} or {"type":"error"},
// then forwards until stdin closes or SIGINT/SIGTERM arrives, and shuts the engine down.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

const configSchema = z.object({
  portType: z.enum(['memif', 'vhost-user']),
  mode: z.enum(['xconnect', 'bridge']),
  sockets: z.tuple([z.string().min(1), z.string().min(1)]),
  workerCpu: z.number().int().min(0),
  filePrefix: z.string().min(1),
});
export type NativeDutConfig = z.infer<typeof configSchema>;

/** The subset of native-dpdk's Engine (see native-dpdk/index.ts) this DUT drives. */
interface NativeEngine {
  addPort(spec: Record<string, unknown>): Promise<unknown>;
  connect(a: string, b: string): Promise<void>;
  createBridge(name: string): Promise<void>;
  bridgeAddPort(bridge: string, port: string): Promise<void>;
  shutdown(): Promise<void>;
}
interface NativeModule {
  Engine: { init(options: Record<string, unknown>): Promise<NativeEngine> };
}

export const NATIVE_INDEX = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'native-dpdk',
  'index.ts',
);

function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const config = configSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  if (!existsSync(NATIVE_INDEX))
    throw Object.assign(new Error(`${NATIVE_INDEX} not found`), { code: 'NOT_FOUND' });
  // Loaded at run time: the bench must type-check and run its other paths without the addon.
  const native = (await import(pathToFileURL(NATIVE_INDEX).href)) as NativeModule;
  const engine = await native.Engine.init({
    workerCpus: [config.workerCpu],
    filePrefix: config.filePrefix,
    memoryMb: 256,
    logLevel: 'error',
  });
  const names = ['dut0', 'dut1'] as const;
  for (const [i, name] of names.entries()) {
    const socketPath = config.sockets[i]!;
    await engine.addPort(
      config.portType === 'memif'
        ? { kind: 'memif', name, socketPath, role: 'server', id: 0 }
        : { kind: 'vhost-user', name, socketPath, mode: 'server' },
    );
  }
  if (config.mode === 'xconnect') {
    await engine.connect(names[0], names[1]);
  } else {
    await engine.createBridge('bench');
    for (const name of names) await engine.bridgeAddPort('bench', name);
  }
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await engine.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  report({ type: 'ready' });
}

main().catch((err: unknown) => {
  const error = err as { code?: string; message?: string };
  report({ type: 'error', code: error.code ?? 'INTERNAL', message: error.message ?? String(err) });
  process.exit(2);
});
