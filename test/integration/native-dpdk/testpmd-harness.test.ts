// The testpmd and netns harnesses against the real tools: two testpmd processes joined by memif
// pass traffic whose counters the harness parses; a netns and veth pair come and go cleanly.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetns, createVethPair, ip, type Netns, type VethPair } from '../../helpers/netns.js';
import { startTestpmd, type Testpmd } from '../../helpers/testpmd.js';

describe('testpmd harness', () => {
  const started: Testpmd[] = [];
  let dir = '';
  afterEach(async () => {
    for (const pmd of started.splice(0)) await pmd.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('parses the port counters of a memif server receiving from a txonly client', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-tp-'));
    const socketPath = join(dir, 'm.sock');
    const server = await startTestpmd({
      ports: [{ kind: 'memif', socketPath, role: 'server' }],
      forwardMode: 'rxonly',
      lcores: '0@1,1@1',
    });
    started.push(server);
    const client = await startTestpmd({
      ports: [{ kind: 'memif', socketPath, role: 'client' }],
      forwardMode: 'txonly',
      lcores: '0@0,1@0',
    });
    started.push(client);
    const stats = await server.waitForStats((s) => (s.get(0)?.rxPackets ?? 0) > 1000, 20_000);
    expect(stats.get(0)?.rxBytes).toBeGreaterThan(0);
    const { forward } = await client.stop();
    expect(forward.get(0)?.txPackets).toBeGreaterThan(1000);
    expect(existsSync(`/var/run/dpdk/${client.filePrefix}`)).toBe(false);
  }, 60_000);
});

describe('netns harness', () => {
  let ns: Netns | undefined;
  let veth: VethPair | undefined;
  afterEach(async () => {
    await veth?.delete();
    await ns?.delete();
  });

  it('moves the peer end of a veth pair into a new namespace and removes both', async () => {
    ns = await createNetns();
    veth = await createVethPair({ peerNetns: ns });
    expect(await ns.exec('ip', ['link', 'show', veth.peerName])).toContain(veth.peerName);
    await veth.delete();
    await ns.delete();
    expect(existsSync(ns.path)).toBe(false);
    await expect(ip(['link', 'show', veth.hostName])).rejects.toThrow();
  });
});
