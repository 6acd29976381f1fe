// The OVSDB client against a real ovsdb-server (no ovs-vswitchd, no DPDK): transactions, OVS's own
// error text, monitors, echo both ways, and reconnect after the server restarts.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { OPEN_VSWITCH_DB, OvsdbClient, type TableUpdates } from '../../../src/backends/ovs/ovsdbClient.js';
import { map, namedUuid, set, uuidOf } from '../../../src/backends/ovs/ovsdbDatum.js';
import { PktbridgeError } from '../../../src/errors.js';
import { hasOvsDpdk, startPrivateOvs, type PrivateOvs } from '../../helpers/ovs.js';
import { run } from '../../helpers/process.js';

const log = pino({ level: 'silent' });
const missing = hasOvsDpdk();
if (missing) console.warn(`skipping OVSDB client tests: ${missing}`);

describe.skipIf(missing !== undefined)('OvsdbClient with a real ovsdb-server', () => {
  let ovs: PrivateOvs;
  let client: OvsdbClient;

  beforeAll(async () => {
    ovs = await startPrivateOvs();
    client = await OvsdbClient.connect({ remote: ovs.db, log, reconnectMinMs: 50, reconnectMaxMs: 200 });
  });
  afterAll(async () => {
    await client?.close();
    await ovs?.stop();
  });

  it('inserts a bridge with named-uuid references that ovs-vsctl then sees', async () => {
    const results = await client.transact(OPEN_VSWITCH_DB, [
      {
        op: 'insert',
        table: 'Bridge',
        row: { name: 'brc1', external_ids: map({ k: 'v' }) },
        'uuid-name': 'b',
      },
      {
        op: 'mutate',
        table: 'Open_vSwitch',
        where: [],
        mutations: [['bridges', 'insert', set([namedUuid('b')])]],
      },
    ]);
    expect(uuidOf(results[0]?.uuid)).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ovs.vsctl('get', 'Bridge', 'brc1', 'external_ids:k')).toBe('v');
  });

  it('reports a failed operation with OVSDB error and details, and applies nothing', async () => {
    const attempt = client.transact(OPEN_VSWITCH_DB, [
      { op: 'insert', table: 'Bridge', row: { name: 'brc2' }, 'uuid-name': 'b' },
      { op: 'insert', table: 'Bridge', row: { name: 'brc1' }, 'uuid-name': 'dup' },
      {
        op: 'mutate',
        table: 'Open_vSwitch',
        where: [],
        mutations: [['bridges', 'insert', set([namedUuid('b'), namedUuid('dup')])]],
      },
    ]);
    await expect(attempt).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      message: expect.stringMatching(/constraint violation/),
    });
    expect(await ovs.vsctl('list-br')).not.toContain('brc2');
  });

  it('fails a wait operation whose condition does not hold', async () => {
    const attempt = client.transact(OPEN_VSWITCH_DB, [
      {
        op: 'wait',
        table: 'Bridge',
        where: [['name', '==', 'nope']],
        columns: ['name'],
        until: '==',
        rows: [{ name: 'nope' }],
        timeout: 0,
      },
    ]);
    await expect(attempt).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/timed out/),
    });
  });

  it('delivers monitor updates for rows changed by another client', async () => {
    const seen: TableUpdates[] = [];
    await client.monitor(OPEN_VSWITCH_DB, { Bridge: { columns: ['name'] } }, (updates) => seen.push(updates));
    await ovs.vsctl('--no-wait', 'add-br', 'brc3');
    await expect
      .poll(() => seen.some((u) => Object.values(u['Bridge'] ?? {}).some((c) => c.new?.['name'] === 'brc3')))
      .toBe(true);
  });

  it('speaks the same protocol over tcp', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    await run('ovs-appctl', [
      '-t',
      join(ovs.dir, 'ovsdb-server.ctl'),
      'ovsdb-server/add-remote',
      `ptcp:${port}:127.0.0.1`,
    ]);
    const tcpClient = await OvsdbClient.connect({ remote: `tcp:127.0.0.1:${port}`, log });
    try {
      const names = (
        await tcpClient.select(OPEN_VSWITCH_DB, 'Bridge', [['name', '==', 'brc1']], ['name'])
      ).map((r) => r['name']);
      expect(names).toEqual(['brc1']);
      await tcpClient.echo();
    } finally {
      await tcpClient.close();
    }
  });

  it('reconnects after ovsdb-server restarts and re-establishes monitors', async () => {
    const snapshots: TableUpdates[] = [];
    await client.monitor(
      OPEN_VSWITCH_DB,
      { Bridge: { columns: ['name'] } },
      (u, initial) => initial && snapshots.push(u),
    );
    const disconnected = new Promise((r) => client.once('disconnected', r));
    await ovs.stopOvsdb();
    await disconnected;
    await expect(client.select(OPEN_VSWITCH_DB, 'Bridge', [])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const reconnected = new Promise((r) => client.once('connected', r));
    await ovs.startOvsdb();
    await reconnected;
    expect(snapshots.length).toBe(2);
    const names = (await client.select(OPEN_VSWITCH_DB, 'Bridge', [], ['name'])).map((r) => r['name']);
    expect(names).toContain('brc3');
  });
});

describe('OvsdbClient keepalive and failures', () => {
  let dir: string;
  let server: Server | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pbovsdb-'));
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails to connect with UNAVAILABLE naming the remote', async () => {
    const remote = `unix:${join(dir, 'absent.sock')}`;
    const attempt = OvsdbClient.connect({ remote, log });
    await expect(attempt).rejects.toBeInstanceOf(PktbridgeError);
    await expect(attempt).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(remote),
    });
  });

  it('fails a request the server never answers with TIMEOUT, and stays usable', async () => {
    const path = join(dir, 'silent.sock');
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(path, r));
    const client = await OvsdbClient.connect({
      remote: `unix:${path}`,
      log,
      requestTimeoutMs: 100,
      echoIntervalMs: 60_000,
    });
    try {
      await expect(client.select(OPEN_VSWITCH_DB, 'Bridge', [])).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(client.connected).toBe(true);
    } finally {
      await client.close();
      silent.close();
    }
  });

  it("answers the server's echo and drops a server that stops answering ours", async () => {
    const path = join(dir, 'fake.sock');
    const received: string[] = [];
    let socket: Socket | undefined;
    server = createServer((s) => {
      socket = s;
      s.on('data', (d) => received.push(d.toString()));
    });
    await new Promise<void>((r) => server?.listen(path, r));
    const client = await OvsdbClient.connect({
      remote: `unix:${path}`,
      log,
      echoIntervalMs: 200,
      reconnectMinMs: 10_000,
    });
    socket?.write(JSON.stringify({ method: 'echo', params: ['hi'], id: 'srv-1' }));
    await expect.poll(() => received.join('')).toContain('"id":"srv-1"');
    expect(JSON.parse(received.find((r) => r.includes('srv-1')) ?? '{}')).toEqual({
      result: ['hi'],
      error: null,
      id: 'srv-1',
    });
    const lost = new Promise<Error>((r) => client.once('disconnected', r));
    // The fake server never answers our echo: the client must give up on it.
    expect((await lost).message).toMatch(/no echo reply/);
    expect(received.join('')).toContain('"method":"echo"');
    await client.close();
  });
});
