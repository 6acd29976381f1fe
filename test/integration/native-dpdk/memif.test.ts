// memif ports (through the control-channel relay) against dpdk-testpmd's net_memif as the pod, with
// the engine in --no-huge mode: exact counters, events, both roles, an abstract socket in the pod's
// netns, and the pod being killed under full traffic again and again without taking the engine down.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, type Netns } from '../../helpers/netns.js';
import { startTestpmd, type Testpmd, type TestpmdOptions, type TestpmdPort } from '../../helpers/testpmd.js';
import { nativeSkipReason, startEngine, waitUntil, type EngineFixture } from './fixture.js';

const skip = nativeSkipReason();
if (skip) console.warn(`skipping memif tests: ${skip}`);

const KILL_CYCLES = Number(process.env.PKTBRIDGE_MEMIF_KILL_CYCLES ?? 12);

describe.skipIf(skip)('memif ports with testpmd net_memif as the pod', () => {
  let fx: EngineFixture;
  let testpmd: Testpmd | undefined;
  let netns: Netns | undefined;
  const sock = (name: string): string => join(fx.dir, `${name}.sock`);
  const pod = async (options: Omit<TestpmdOptions, 'ports'>, ports: TestpmdPort[]): Promise<Testpmd> => {
    testpmd = await startTestpmd({ ...options, ports, maxLifetimeMs: 60_000 });
    return testpmd;
  };
  const clients = (...names: string[]): TestpmdPort[] =>
    names.map((name) => ({ kind: 'memif', socketPath: sock(name), role: 'client' }));

  beforeAll(async () => {
    fx = await startEngine({ noHuge: true });
  });
  afterEach(async () => {
    await testpmd?.stop();
    testpmd = undefined;
    for (const port of fx.engine.ports()) await fx.engine.removePort(port.name);
    await netns?.delete();
    netns = undefined;
  });
  afterAll(async () => {
    await fx?.close();
  });

  async function crossConnectedServers(a: string, b: string): Promise<void> {
    await fx.engine.addPort({ kind: 'memif', name: a, socketPath: sock(a), role: 'server' });
    await fx.engine.addPort({ kind: 'memif', name: b, socketPath: sock(b), role: 'server' });
    await fx.engine.connect(a, b);
  }

  it('forwards one burst each way with counters equal to what testpmd sent and received', async () => {
    await crossConnectedServers('ma', 'mb');
    const tp = await pod({ forwardMode: 'rxonly', txFirst: true }, clients('ma', 'mb'));
    const seen = await tp.waitForStats((s) => {
      const [p0, p1] = [s.get(0), s.get(1)];
      return (
        !!p0 &&
        !!p1 &&
        p0.txPackets > 0 &&
        p1.txPackets > 0 &&
        p1.rxPackets === p0.txPackets &&
        p0.rxPackets === p1.txPackets
      );
    });
    const [p0, p1] = [seen.get(0)!, seen.get(1)!];
    expect(fx.engine.stats('ma').rxPackets).toBe(p0.txPackets);
    expect(fx.engine.stats('mb').txPackets).toBe(p1.rxPackets);
    expect(fx.engine.stats('mb').rxPackets).toBe(p1.txPackets);
    expect(fx.engine.stats('ma').txPackets).toBe(p0.rxPackets);
    expect(fx.engine.stats('ma').rxBytes).toBe(p0.txBytes);
  });

  it('reports the peer connecting and disconnecting through the relay', async () => {
    await crossConnectedServers('ma', 'mb');
    await pod({ forwardMode: 'io', txFirst: true }, clients('ma', 'mb'));
    await waitUntil(
      () => fx.events.some((e) => e.type === 'peer-connected' && e.port === 'mb'),
      'peer-connected',
    );
    await testpmd!.stop();
    await waitUntil(
      () => fx.events.some((e) => e.type === 'peer-disconnected' && e.port === 'mb'),
      'peer-disconnected',
    );
  });

  it(`survives the pod being killed under full traffic ${KILL_CYCLES} times, and forwards afterwards`, async () => {
    await crossConnectedServers('ma', 'mb');
    for (let cycle = 0; cycle < KILL_CYCLES; cycle++) {
      const before = fx.engine.stats('ma').rxPackets;
      const tp = await pod({ forwardMode: 'io', txFirst: true, burst: 64 }, clients('ma', 'mb'));
      await waitUntil(() => fx.engine.stats('ma').rxPackets > before + 50_000, `traffic in cycle ${cycle}`);
      // Half the time the pod dies abruptly (EOF on the control channel), half cleanly (DISCONNECT).
      tp.process.child.kill(cycle % 2 === 0 ? 'SIGKILL' : 'SIGINT');
      await tp.stop();
    }
    const tp = await pod({ forwardMode: 'rxonly', txFirst: true }, clients('ma', 'mb'));
    await tp.waitForStats((s) => (s.get(1)?.rxPackets ?? 0) > 0 && (s.get(0)?.rxPackets ?? 0) > 0);
  }, 90_000);

  it('removes a memif port while traffic flows through it', async () => {
    await crossConnectedServers('ma', 'mb');
    await pod({ forwardMode: 'io', txFirst: true, burst: 64 }, clients('ma', 'mb'));
    await waitUntil(() => fx.engine.stats('mb').rxPackets > 50_000, 'traffic');
    await fx.engine.removePort('mb');
    expect(fx.engine.ports().map((p) => p.name)).toEqual(['ma']);
    expect(fx.engine.stats('ma').rxPackets).toBeGreaterThan(0);
  });

  it('connects as the memif client to a pod that is the server, and again after the pod restarts', async () => {
    const servers: TestpmdPort[] = ['ca', 'cb'].map((name) => ({
      kind: 'memif',
      socketPath: sock(name),
      role: 'server',
    }));
    await fx.engine.addPort({ kind: 'memif', name: 'ca', socketPath: sock('ca'), role: 'client' });
    await fx.engine.addPort({ kind: 'memif', name: 'cb', socketPath: sock('cb'), role: 'client' });
    await fx.engine.connect('ca', 'cb');
    await pod({ forwardMode: 'io', txFirst: true }, servers);
    await waitUntil(() => fx.engine.stats('cb').rxPackets > 10_000, 'traffic to the pod server');
    await testpmd!.stop();
    const before = fx.engine.stats('cb').rxPackets;
    await pod({ forwardMode: 'io', txFirst: true }, servers);
    await waitUntil(
      () => fx.engine.stats('cb').rxPackets > before + 10_000,
      'traffic after the pod restart',
      15_000,
    );
  });

  it('serves an abstract socket inside the pod network namespace', async () => {
    netns = await createNetns();
    const abstractName = `pktbridge-${netns.name}`;
    await fx.engine.addPort({
      kind: 'memif',
      name: 'na',
      socketPath: abstractName,
      role: 'server',
      abstract: true,
      netns: netns.path,
    });
    await fx.engine.addPort({ kind: 'null', name: 'src' });
    await fx.engine.connect('src', 'na');
    const tp = await pod({ forwardMode: 'rxonly', netns: netns.name }, [
      { kind: 'memif', socketPath: abstractName, role: 'client', abstract: true },
    ]);
    await tp.waitForStats((s) => (s.get(0)?.rxPackets ?? 0) > 1000);
  });
});
