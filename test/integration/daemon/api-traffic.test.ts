// A real daemon with the native engine: two memif ports made through the API, cross-connected,
// traffic from dpdk-testpmd, and the counters read back through the API, the CLI and /metrics.
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { startTestpmd, type Testpmd } from '../../helpers/testpmd.js';

function scrape(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('daemon API with the native engine and testpmd traffic', () => {
  let daemon: TestDaemon;
  let testpmd: Testpmd | undefined;

  beforeAll(async () => {
    daemon = await startTestDaemon();
  });

  afterAll(async () => {
    await testpmd?.stop();
    await daemon?.cleanup();
  });

  it('adds two memif ports and cross-connects them', async () => {
    for (const name of ['m0', 'm1']) {
      const port = await daemon.client.call('AddPort', {
        name,
        memif: { socket_path: join(daemon.dir, `${name}.sock`), role: 'server' },
      });
      expect(port).toMatchObject({ name, kind: 'memif', owner: 'api' });
    }
    await daemon.client.call('AddXconnect', { a: 'm0', b: 'm1' });
    const { ports } = await daemon.client.call('ListPorts');
    expect(ports.map((p) => [p.name, p.peer])).toEqual([
      ['m0', 'm1'],
      ['m1', 'm0'],
    ]);
  });

  it('forwards testpmd traffic across the cross-connect and counts it', async () => {
    testpmd = await startTestpmd({
      ports: [
        { kind: 'memif', socketPath: join(daemon.dir, 'm0.sock'), role: 'client' },
        { kind: 'memif', socketPath: join(daemon.dir, 'm1.sock'), role: 'client' },
      ],
      forwardMode: 'io',
      txFirst: true,
      noHuge: true,
    });
    // io mode loops what arrives back out, so once both links are up packets keep circulating.
    await testpmd.waitForStats(
      (s) => (s.get(1)?.rxPackets ?? 0) > 1000 && (s.get(0)?.rxPackets ?? 0) > 1000,
      30_000,
    );
    const stats = await daemon.client.call('GetStats', { ports: ['m0', 'm1'] });
    const byName = new Map(stats.ports.map((p) => [p.name, p]));
    expect(byName.get('m0')!.rx_packets).toBeGreaterThan(1000);
    expect(byName.get('m1')!.tx_packets).toBeGreaterThan(1000);
    expect(byName.get('m0')!.rx_bytes).toBeGreaterThan(byName.get('m0')!.rx_packets * 59);
    expect(stats.workers[0]!.busy_polls).toBeGreaterThan(0);
  });

  it('shows the same counters through the CLI, as JSON and as a table', async () => {
    const json = await daemon.cli(['stats', '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { ports: { name: string; rx_packets: number }[] };
    expect(parsed.ports.find((p) => p.name === 'm1')!.rx_packets).toBeGreaterThan(1000);
    const table = await daemon.cli(['stats', 'm0']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^PORT\s+RX PKTS/m);
    expect(table.stdout).toMatch(/^m0\s+\d{4,}/m);
  });

  it('streams stats with WatchStats, each reply newer than the last', async () => {
    const stream = daemon.client.watchStats({ ports: ['m0'], interval_ms: 200 });
    const replies: { at: number; rx: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (s: { at: number; ports: { rx_packets: number }[] }) => {
        replies.push({ at: s.at, rx: s.ports[0]!.rx_packets });
        if (replies.length === 3) {
          stream.cancel();
          resolve();
        }
      });
      stream.on('error', (err: { code?: number }) => (err.code === 1 ? resolve() : reject(err)));
    });
    expect(replies[2]!.at).toBeGreaterThan(replies[0]!.at);
    expect(replies[2]!.rx).toBeGreaterThan(replies[0]!.rx);
  });

  it('exposes per-port counters and the worker busy ratio on /metrics', async () => {
    const body = await scrape(daemon.metricsSocket);
    const rx = /^pktbridge_port_rx_packets_total\{port="m0"\} (\d+)/m.exec(body);
    expect(Number(rx?.[1])).toBeGreaterThan(1000);
    const busy = /^pktbridge_worker_busy_ratio\{lcore="\d+",cpu="1"\} ([\d.e-]+)/m.exec(body);
    expect(Number(busy?.[1])).toBeGreaterThan(0);
  });

  it('lists ports, status and attachments as JSON through the CLI', async () => {
    const ports = JSON.parse((await daemon.cli(['ports', '--json'])).stdout) as { name: string }[];
    expect(ports.map((p) => p.name)).toEqual(['m0', 'm1']);
    const status = JSON.parse((await daemon.cli(['status', '--json'])).stdout) as {
      ports: number;
      pid: number;
    };
    expect(status).toMatchObject({ ports: 2, pid: daemon.process.pid });
    expect(JSON.parse((await daemon.cli(['attachments', '--json'])).stdout)).toEqual([]);
  });

  it('undoes the cross-connect and deletes ports through the CLI', async () => {
    await testpmd?.stop();
    testpmd = undefined;
    expect((await daemon.cli(['xconnect', '--del', 'm0'])).stdout).toMatch(/disconnected m0 and m1/);
    expect((await daemon.cli(['port', 'del', 'm0'])).code).toBe(0);
    expect((await daemon.cli(['port', 'del', 'm1'])).code).toBe(0);
    expect((await daemon.client.call('ListPorts')).ports).toEqual([]);
  });
});
