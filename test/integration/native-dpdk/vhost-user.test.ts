// vhost-user ports against dpdk-testpmd's virtio-user as the pod (hugepages): exact counters both
// ways through a cross-connect, peer restart, removal under traffic, and MAC learning in a bridge.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestpmd, type Testpmd, type TestpmdOptions } from '../../helpers/testpmd.js';
import { nativeSkipReason, sleep, startEngine, waitUntil, type EngineFixture } from './fixture.js';

const skip = nativeSkipReason();
if (skip) console.warn(`skipping vhost-user tests: ${skip}`);

describe.skipIf(skip)('vhost-user ports with testpmd virtio-user as the pod', () => {
  let fx: EngineFixture;
  let testpmd: Testpmd | undefined;
  const sock = (name: string): string => join(fx.dir, `${name}.sock`);
  const pod = async (options: Omit<TestpmdOptions, 'ports'>, names: string[], macs: string[] = []) => {
    testpmd = await startTestpmd({
      ...options,
      ports: names.map((name, i) => ({ kind: 'virtio-user', socketPath: sock(name), mac: macs[i] })),
      maxLifetimeMs: 60_000,
    });
    return testpmd;
  };

  beforeAll(async () => {
    fx = await startEngine();
  });
  afterEach(async () => {
    await testpmd?.stop();
    testpmd = undefined;
    for (const port of fx.engine.ports()) await fx.engine.removePort(port.name);
  });
  afterAll(async () => {
    await fx?.close();
  });

  async function crossConnected(a: string, b: string): Promise<void> {
    await fx.engine.addPort({ kind: 'vhost-user', name: a, socketPath: sock(a), mode: 'server' });
    await fx.engine.addPort({ kind: 'vhost-user', name: b, socketPath: sock(b), mode: 'server' });
    await fx.engine.connect(a, b);
  }

  it('forwards one burst each way with counters equal to what testpmd sent and received', async () => {
    await crossConnected('va', 'vb');
    const tp = await pod({ forwardMode: 'rxonly', txFirst: true }, ['va', 'vb']);
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
    const va = fx.engine.stats('va');
    const vb = fx.engine.stats('vb');
    expect(va.rxPackets).toBe(p0.txPackets);
    expect(vb.txPackets).toBe(p1.rxPackets);
    expect(vb.rxPackets).toBe(p1.txPackets);
    expect(va.txPackets).toBe(p0.rxPackets);
    expect(va.txDropped + vb.txDropped).toBe(0);
  });

  it('passes continuous traffic both ways and carries on after the pod restarts', async () => {
    await crossConnected('va', 'vb');
    await pod({ forwardMode: 'io', txFirst: true, burst: 64 }, ['va', 'vb']);
    await waitUntil(
      () => fx.engine.stats('va').rxPackets > 10_000 && fx.engine.stats('vb').rxPackets > 10_000,
      'traffic both ways',
    );
    await waitUntil(
      () => fx.events.some((e) => e.type === 'peer-connected' && e.port === 'va'),
      'peer-connected',
    );
    await testpmd!.stop();
    await waitUntil(
      () => fx.events.some((e) => e.type === 'peer-disconnected' && e.port === 'va'),
      'peer-disconnected',
    );
    const before = fx.engine.stats('va').rxPackets;
    await pod({ forwardMode: 'io', txFirst: true, burst: 64 }, ['va', 'vb']);
    await waitUntil(() => fx.engine.stats('va').rxPackets > before + 10_000, 'traffic after the restart');
  });

  it('removes a port while traffic flows through it', async () => {
    await crossConnected('va', 'vb');
    await pod({ forwardMode: 'io', txFirst: true, burst: 64 }, ['va', 'vb']);
    await waitUntil(() => fx.engine.stats('vb').rxPackets > 10_000, 'traffic');
    await fx.engine.removePort('vb');
    expect(fx.engine.ports().map((p) => p.name)).toEqual(['va']);
    expect(fx.engine.stats('va').rxPackets).toBeGreaterThan(0);
    expect(testpmd!.process.child.exitCode).toBeNull();
  });

  it('connects as the vhost-user client to a pod serving the socket, and reconnects after it restarts', async () => {
    for (const name of ['ca', 'cb']) {
      await fx.engine.addPort({ kind: 'vhost-user', name, socketPath: sock(name), mode: 'client' });
    }
    await fx.engine.connect('ca', 'cb');
    const serve = async (): Promise<Testpmd> => {
      testpmd = await startTestpmd({
        ports: ['ca', 'cb'].map((name) => ({ kind: 'virtio-user', socketPath: sock(name), server: true })),
        forwardMode: 'io',
        txFirst: true,
        maxLifetimeMs: 60_000,
      });
      return testpmd;
    };
    await serve();
    await waitUntil(() => fx.engine.stats('ca').rxPackets > 10_000, 'traffic to the pod server', 15_000);
    await testpmd!.stop();
    const before = fx.engine.stats('ca').rxPackets;
    await serve();
    await waitUntil(
      () => fx.engine.stats('ca').rxPackets > before + 10_000,
      'traffic after reconnecting',
      15_000,
    );
  });

  it('sends a frame to a learned MAC only out of the port that MAC was learned on', async () => {
    const macs = ['02:00:00:00:00:a0', '02:00:00:00:00:a1', '02:00:00:00:00:a2'];
    await fx.engine.createBridge('br');
    for (const name of ['b0', 'b1', 'b2']) {
      await fx.engine.addPort({ kind: 'vhost-user', name, socketPath: sock(name), mode: 'server' });
      await fx.engine.bridgeAddPort('br', name);
    }
    // Port 0 talks to port 1's MAC; ports 1 and 2 talk to port 0's. Nothing is addressed to port 2.
    await pod(
      {
        forwardMode: 'txonly',
        ethPeers: { 0: macs[1]!, 1: macs[0]!, 2: macs[0]! },
        extraAppArgs: ['--port-topology=chained'],
      },
      ['b0', 'b1', 'b2'],
      macs,
    );
    const offered = (name: string): number => {
      const s = fx.engine.stats(name);
      return s.txPackets + s.txDropped;
    };
    await waitUntil(() => offered('b1') > 10_000 && offered('b0') > 10_000, 'bridged traffic');
    await sleep(300);
    const b1Before = offered('b1');
    const b2Before = offered('b2');
    await sleep(1_000);
    expect(offered('b1') - b1Before).toBeGreaterThan(10_000);
    expect(offered('b2') - b2Before).toBe(0);
    await testpmd!.stop();
    for (const name of ['b0', 'b1', 'b2']) await fx.engine.bridgeRemovePort(name);
    await fx.engine.deleteBridge('br');
  });
});
