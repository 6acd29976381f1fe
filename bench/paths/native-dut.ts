// The pktbridge native engine as a DUT in its own process (so generator and DUT never share an EAL):
// two memif or vhost-user server ports, cross-connected or in one L2 bridge, one worker lcore.
// Usage: tsx bench/paths/native-dut.ts '<json config>'; prints {"type":"ready"} or {"type":"error"},
// then forwards until stdin closes or SIGINT/SIGTERM arrives, and shuts the engine down.
import { Engine, type PortSpec } from '../../native-dpdk/index.js';
import { nativeDutConfigSchema } from './native-config.js';

function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const config = nativeDutConfigSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const engine = await Engine.init({
    workerCpus: [config.workerCpu],
    filePrefix: config.filePrefix,
    memoryMb: 256,
    logLevel: 'error',
  });
  const names = ['dut0', 'dut1'] as const;
  for (const [i, name] of names.entries()) {
    const socketPath = config.sockets[i]!;
    const spec: PortSpec =
      config.portType === 'memif'
        ? { kind: 'memif', name, socketPath, role: 'server', id: 0 }
        : { kind: 'vhost-user', name, socketPath, mode: 'server' };
    await engine.addPort(spec);
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
