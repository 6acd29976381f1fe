// Concurrency against a real daemon: 64 pods attached and detached at once (past the engine's 32
// ports the overflow must fail cleanly), and the same pod's ADD and DEL racing, which must leave the
// record, the port and the socket directory all there or all gone.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

const PODS = 64;
/** RTE_MAX_ETHPORTS of Debian's DPDK 22.11 build (the daemon's maxPorts default). */
const ENGINE_PORTS = 32;

describe('concurrent attachments', () => {
  let daemon: TestDaemon;

  beforeAll(async () => {
    // The daemon's defaults: its mbuf pool must hold the rings of every port the engine allows.
    daemon = await startTestDaemon();
  });

  afterAll(async () => {
    await daemon?.cleanup();
  });

  const attach = (containerId: string) =>
    daemon.client.call('CreateAttachment', {
      container_id: containerId,
      ifname: 'net1',
      network: 'lab',
      memif: { ring_size: 256 },
    });
  const detach = (containerId: string) =>
    daemon.client.call('DeleteAttachment', { container_id: containerId, ifname: 'net1' });
  const stateFiles = () => readdirSync(join(daemon.stateDir, 'attachments'));

  it(`attaches ${PODS} different pods at once: the engine fills up, the overflow fails cleanly`, async () => {
    const pods = Array.from({ length: PODS }, (_, i) => `pod-${i}`);
    const results = await Promise.allSettled(pods.map(attach));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Every attachment is an engine port, and this DPDK build holds RTE_MAX_ETHPORTS (32) of them.
    expect(
      won.length,
      lost
        .map((l) => l.reason.details)
        .join('\n')
        .slice(0, 3000),
    ).toBe(ENGINE_PORTS);
    // Refused up front with a precise message, not a bare EPERM from the DPDK probe.
    for (const failure of lost)
      expect(failure.reason.details).toMatch(/engine is full: it holds at most 32 ports/);
    const { attachments } = await daemon.client.call('ListAttachments');
    expect(attachments).toHaveLength(ENGINE_PORTS);
    expect(new Set(attachments.map((a) => a.socket_path)).size).toBe(ENGINE_PORTS);
    const { ports } = await daemon.client.call('ListPorts');
    expect(ports.filter((p) => p.bridge === 'lab')).toHaveLength(ENGINE_PORTS);
    // The losers left nothing: one record and one socket directory per winner only.
    expect(stateFiles()).toHaveLength(ENGINE_PORTS);
    expect(readdirSync(daemon.socketRoot)).toHaveLength(ENGINE_PORTS);
    for (const a of attachments) expect(existsSync(join(a.socket_path, '..'))).toBe(true);
  });

  it(`detaches the ${PODS} pods at once and leaves nothing`, async () => {
    const pods = Array.from({ length: PODS }, (_, i) => `pod-${i}`);
    const results = await Promise.all(pods.map(detach));
    expect(results.filter((r) => r.existed)).toHaveLength(ENGINE_PORTS);
    expect((await daemon.client.call('ListAttachments')).attachments).toEqual([]);
    expect((await daemon.client.call('ListPorts')).ports).toEqual([]);
    // The network's bridge was made for the attachments and goes with the last one.
    expect((await daemon.client.call('ListBridges')).bridges).toEqual([]);
    expect(stateFiles()).toEqual([]);
    expect(readdirSync(daemon.socketRoot)).toEqual([]);
  });

  it(`runs ${PODS} attach-then-detach cycles of different pods at once, in two waves the engine can hold`, async () => {
    const cycle = async (pod: string) => {
      await attach(pod);
      return (await detach(pod)).existed;
    };
    for (const wave of [0, 1]) {
      const pods = Array.from({ length: PODS / 2 }, (_, i) => `wave${wave}-${i}`);
      expect(await Promise.all(pods.map(cycle))).toEqual(pods.map(() => true));
    }
    expect(stateFiles()).toEqual([]);
    expect(readdirSync(daemon.socketRoot)).toEqual([]);
  });

  it('streams attachment events to WatchEvents subscribers', async () => {
    const stream = daemon.client.watchEvents();
    const events: { type: string; attachment_id: string }[] = [];
    const seen = new Promise<void>((resolve) => {
      stream.on('data', (event: { type: string; attachment_id: string }) => {
        events.push(event);
        if (events.length === 2) resolve();
      });
    });
    stream.on('error', () => undefined);
    // The daemon sends the stream's headers once the subscription is in place.
    await new Promise((resolve) => stream.once('metadata', resolve));
    const made = await attach('watched');
    await detach('watched');
    await seen;
    stream.cancel();
    expect(events.map((e) => [e.type, e.attachment_id])).toEqual([
      ['attached', made.id],
      ['detached', made.id],
    ]);
  });

  it('lets only one of two racing ADDs of the same pod win', async () => {
    const results = await Promise.allSettled([attach('twin'), attach('twin')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.details).toMatch(/already has net1/);
    await detach('twin');
  });

  it('ends each racing ADD/DEL of the same pod with the record, port and socket all there or all gone', async () => {
    for (let round = 0; round < 16; round++) {
      const pod = `race-${round}`;
      // Alternate who is sent first; the per-pod lock decides the order, never a mix of both.
      const calls = round % 2 === 0 ? [attach(pod), detach(pod)] : [detach(pod), attach(pod)];
      await Promise.allSettled(calls);
      const record = (await daemon.client.call('ListAttachments')).attachments.find(
        (a) => a.container_id === pod,
      );
      const port = (await daemon.client.call('ListPorts')).ports.find((p) => p.owner === record?.id);
      if (record) {
        expect(port?.name).toBe(`pb${record.id}`);
        expect(existsSync(join(record.socket_path, '..'))).toBe(true);
        expect(stateFiles()).toContain(`${record.id}.json`);
        await detach(pod);
      } else {
        expect((await daemon.client.call('ListPorts')).ports).toEqual([]);
      }
      expect(stateFiles()).toEqual([]);
      expect(readdirSync(daemon.socketRoot)).toEqual([]);
    }
  });
});
