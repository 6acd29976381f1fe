// Stress: kill and restart the memif peer (dpdk-testpmd) under full traffic many times while the
// engine forwards; the engine must never crash (DPDK 22.11's memif server segfaults without the relay).
// Run: flock /tmp/pktbridge-dataplane.lock npx tsx bench/engine/memif-kill-stress.ts --cycles 300
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../../native-dpdk/index.js';
import { startTestpmd, uniquePrefix, type TestpmdPort } from '../../test/helpers/testpmd.js';
import { removeDpdkFiles, waitUntil } from '../../test/integration/native-dpdk/fixture.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '300' },
    huge: { type: 'boolean', default: false },
    // Without the relay (DPDK's memif owns the pod socket): shows the crash the relay prevents.
    direct: { type: 'boolean', default: false },
  },
});
const cycles = Number(values.cycles);
const filePrefix = uniquePrefix('stress');
const dir = mkdtempSync('/tmp/pbstress-');
const engine = await Engine.init({
  workerCpus: [1],
  filePrefix,
  noHuge: !values.huge,
  logLevel: 'error',
  memifRelay: !values.direct,
});
const started = Date.now();
let disconnects = 0;
engine.on('event', (event: { type: string }) => {
  if (event.type === 'peer-disconnected') disconnects++;
});
try {
  const sockets = ['ma', 'mb'].map((name) => join(dir, `${name}.sock`));
  for (const [i, name] of ['ma', 'mb'].entries()) {
    await engine.addPort({ kind: 'memif', name, socketPath: sockets[i]!, role: 'server' });
  }
  await engine.connect('ma', 'mb');
  const ports: TestpmdPort[] = sockets.map((socketPath) => ({ kind: 'memif', socketPath, role: 'client' }));
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const before = engine.stats('ma').rxPackets;
    const testpmd = await startTestpmd({
      ports,
      forwardMode: 'io',
      txFirst: true,
      burst: 64,
      maxLifetimeMs: 30_000,
    });
    try {
      await waitUntil(
        () => engine.stats('ma').rxPackets > before + 50_000,
        `traffic in cycle ${cycle}`,
        15_000,
      );
      // Vary the moment of death inside the traffic, and the way the peer dies.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 200)));
      testpmd.process.child.kill(cycle % 2 === 0 ? 'SIGKILL' : 'SIGINT');
    } finally {
      await testpmd.stop();
    }
    if (cycle % 25 === 0)
      console.error(`cycle ${cycle}/${cycles}: engine alive, ${disconnects} disconnects seen`);
  }
  const ma = engine.stats('ma');
  console.log(
    JSON.stringify({
      cycles,
      relay: !values.direct,
      crashes: 0,
      peerDisconnectEvents: disconnects,
      packetsForwarded: ma.rxPackets + engine.stats('mb').rxPackets,
      seconds: (Date.now() - started) / 1000,
    }),
  );
} finally {
  await engine.shutdown();
  rmSync(dir, { recursive: true, force: true });
  removeDpdkFiles(filePrefix);
}
