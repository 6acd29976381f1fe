// Two poll-mode workers (the machine's two CPUs, nothing else polling): rx queues are spread over
// the workers, and each forwards its share of a cross-connect between two null ports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeSkipReason, startEngine, waitUntil, type EngineFixture } from './fixture.js';

const skip = nativeSkipReason();
if (skip) console.warn(`skipping multi-worker tests: ${skip}`);

describe.skipIf(skip)('two workers', () => {
  let fx: EngineFixture;

  beforeAll(async () => {
    fx = await startEngine({ workerCpus: [0, 1], noHuge: true });
  });
  afterAll(async () => {
    for (const port of fx?.engine.ports() ?? []) await fx.engine.removePort(port.name);
    await fx?.close();
  });

  it('gives each worker a port to poll and both forward packets', async () => {
    const { engine } = fx;
    await engine.addPort({ kind: 'null', name: 'left' });
    await engine.addPort({ kind: 'null', name: 'right' });
    await engine.connect('left', 'right');
    expect(engine.workerStats().map((w) => w.cpu)).toEqual([0, 1]);
    // The null PMD produces packets on every rx burst: both directions carry traffic at once.
    await waitUntil(() => engine.workerStats().every((w) => w.packets > 100_000), 'both workers forwarding');
    expect(engine.stats('left').txPackets).toBeGreaterThan(0);
    expect(engine.stats('right').txPackets).toBeGreaterThan(0);
    await engine.disconnect('left');
  });
});
