// The engine's lifecycle and control plane against real DPDK (null and ring PMDs, --no-huge): init
// once, cross-connect forwarding and counters, rewiring and removal under traffic, validation, PCI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, EngineError } from '../../../native-dpdk/index.js';
import { nativeSkipReason, sleep, startEngine, waitUntil, type EngineFixture } from './fixture.js';

const skip = nativeSkipReason();
if (skip) console.warn(`skipping native engine tests: ${skip}`);

describe.skipIf(skip)('native engine (null/ring ports, --no-huge)', () => {
  let fx: EngineFixture;
  beforeAll(async () => {
    fx = await startEngine({ noHuge: true });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('refuses a second init in the same process', async () => {
    await expect(Engine.init({ workerCpus: [1], filePrefix: 'pbsecond' })).rejects.toMatchObject({
      code: 'ALREADY_INITIALIZED',
    });
  });

  it('forwards both ways through a cross-connect and counts it per port and per worker', async () => {
    const { engine } = fx;
    await engine.addPort({ kind: 'null', name: 'src' });
    await engine.addPort({ kind: 'null', name: 'dst' });
    await engine.connect('src', 'dst');
    await waitUntil(() => engine.stats('dst').txPackets > 100_000, 'packets leaving dst');
    const src = engine.stats('src');
    const dst = engine.stats('dst');
    expect(src.txPackets).toBeGreaterThan(0);
    expect(dst.rxPackets).toBeGreaterThan(0);
    const [worker] = engine.workerStats();
    expect(worker).toMatchObject({ lcore: 1, cpu: 1 });
    expect(worker!.busyPolls).toBeGreaterThan(0);
    expect(worker!.polls).toBeGreaterThanOrEqual(worker!.busyPolls);
    expect(worker!.packets).toBeGreaterThanOrEqual(src.rxPackets - 32 * 2);
    expect(Object.keys(engine.xstats('src'))).toContain('rx_good_packets');
    await engine.removePort('src');
    await engine.removePort('dst');
  });

  it('stops forwarding after disconnect and forwards again after a new connect', async () => {
    const { engine } = fx;
    await engine.addPort({ kind: 'null', name: 'a' });
    await engine.addPort({ kind: 'null', name: 'b' });
    await engine.connect('a', 'b');
    await waitUntil(() => engine.stats('b').txPackets > 0, 'traffic');
    await engine.disconnect('a');
    const frozen = engine.stats('b').txPackets;
    await sleep(200);
    expect(engine.stats('b').txPackets).toBe(frozen);
    await expect(engine.connect('a', 'a')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await engine.connect('b', 'a');
    await waitUntil(() => engine.stats('b').txPackets > frozen, 'traffic after reconnect');
    await engine.removePort('a');
    await engine.removePort('b');
  });

  it('survives ports being added, rewired and removed while traffic flows', async () => {
    const { engine } = fx;
    await engine.addPort({ kind: 'null', name: 'hub' });
    await engine.addPort({ kind: 'ring', name: 'ring0' });
    for (let round = 0; round < 40; round++) {
      const name = `spoke${round}`;
      await engine.addPort({ kind: 'null', name });
      await engine.connect('hub', name);
      if (round % 2 === 0) {
        await engine.disconnect(name);
        await engine.connect(name, 'ring0');
      }
      await engine.removePort(name); // while its peer still sends to it
    }
    expect(engine.ports().map((p) => p.name)).toEqual(['hub', 'ring0']);
    await engine.removePort('hub');
    await engine.removePort('ring0');
  });

  it('does not busy-poll while it has no queue to poll', async () => {
    const { engine } = fx;
    expect(engine.ports()).toEqual([]);
    const before = engine.workerStats()[0]!.polls;
    await sleep(300);
    expect(engine.workerStats()[0]!.polls).toBe(before);
  });

  it('reports link-up events for started ports', async () => {
    const { engine } = fx;
    await engine.addPort({ kind: 'null', name: 'evt' });
    await waitUntil(() => fx.events.some((e) => e.type === 'link-up' && e.port === 'evt'), 'link-up event');
    await engine.removePort('evt');
  });

  it('validates names and socket paths before DPDK sees them', async () => {
    const { engine } = fx;
    await expect(engine.addPort({ kind: 'null', name: 'bad,name' })).rejects.toBeInstanceOf(EngineError);
    const long = `/tmp/${'x'.repeat(110)}.sock`;
    await expect(
      engine.addPort({ kind: 'vhost-user', name: 'vh', socketPath: long, mode: 'server' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('107 bytes') });
    await expect(engine.addPort({ kind: 'pci', name: 'nic', pciAddress: 'zz:00.0' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await engine.addPort({ kind: 'null', name: 'dup' });
    await expect(engine.addPort({ kind: 'null', name: 'dup' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    await engine.removePort('dup');
    await expect(engine.removePort('dup')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(() => engine.stats('dup')).toThrow(EngineError);
  });

  it('fails cleanly for a PCI address with no device, leaving no port behind', async () => {
    const { engine } = fx;
    await expect(
      engine.addPort({ kind: 'pci', name: 'uplink', pciAddress: '0000:7f:1f.7' }),
    ).rejects.toMatchObject({
      code: 'PROBE_FAILED',
      errno: expect.any(Number),
    });
    expect(engine.ports()).toEqual([]);
  });

  it('keeps an empty bridge deletable and refuses to delete one with ports', async () => {
    const { engine } = fx;
    await engine.createBridge('br0');
    await engine.addPort({ kind: 'null', name: 'm0' });
    await engine.bridgeAddPort('br0', 'm0');
    await expect(engine.deleteBridge('br0')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await expect(engine.connect('m0', 'm0x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await engine.bridgeRemovePort('m0');
    await engine.deleteBridge('br0');
    await engine.removePort('m0');
  });
});
