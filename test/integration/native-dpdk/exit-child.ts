// Child process for exit.test.ts: starts the engine with traffic flowing, then exits without
// calling shutdown() (argv[2] = file prefix).
import { Engine } from '../../../native-dpdk/index.js';

const engine = await Engine.init({
  workerCpus: [1],
  filePrefix: process.argv[2]!,
  noHuge: true,
  logLevel: 'error',
});
await engine.addPort({ kind: 'null', name: 'a' });
await engine.addPort({ kind: 'null', name: 'b' });
await engine.connect('a', 'b');
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(`forwarded ${engine.stats('b').txPackets}`);
process.exit(0);
