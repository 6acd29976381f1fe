// The feature helpers (memif, vhost, interfaces, l2) issue exactly the captured requests when
// replayed against the captures, and surface VPP's error retvals as RETVAL errors.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { VppConnection } from '../../../vpp-api/connection.js';
import { loadDefinitions } from '../../../vpp-api/definitions.js';
import * as interfaces from '../../../vpp-api/features/interfaces.js';
import * as l2 from '../../../vpp-api/features/l2.js';
import * as memif from '../../../vpp-api/features/memif.js';
import * as vhost from '../../../vpp-api/features/vhost.js';
import { loadCapture, ReplayServer, sharedVppDir } from '../../helpers/vpp-replay.js';

const definitions = loadDefinitions(path.join(sharedVppDir(), 'api'));
let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function replay(file: string, script: (conn: VppConnection) => Promise<void>): Promise<void> {
  const capture = loadCapture(file);
  server = await ReplayServer.start(capture);
  const conn = await VppConnection.connect({
    socketPath: server.socketPath,
    definitions,
    clientName: 'vppcap',
    reconnect: false,
  });
  await script(conn);
  await conn.close();
  expect(server.mismatches).toEqual([]);
  expect(server.received.map((r) => r.msg)).toEqual(
    capture.frames.filter((f) => f.dir === 'c2s').map((f) => f.msg),
  );
}

const memifDefaults = {
  role: 'server',
  mode: 'ethernet',
  rxQueues: 1,
  txQueues: 1,
  ringSize: 1024,
  bufferSize: 2048,
} as const;

describe('vpp-api features replayed against captures', () => {
  it('memif lifecycle: socket id chosen by VPP, create, up, dump, down, delete', () =>
    replay('memif-lifecycle.json', async (conn) => {
      const socketId = await memif.addMemifSocket(conn, '/run/pktbridge/test/memif-a.sock');
      expect(socketId).toBe(1013904223);
      const swIfIndex = await memif.createMemif(conn, { ...memifDefaults, socketId, id: 7 });
      expect(swIfIndex).toBe(1);
      await interfaces.setAdminUp(conn, swIfIndex, true);
      const [details] = await memif.listMemifs(conn);
      expect(details).toMatchObject({
        sw_if_index: 1,
        id: 7,
        if_name: 'memif1013904223/7',
        socket_id: socketId,
      });
      await interfaces.setAdminUp(conn, swIfIndex, false);
      await memif.deleteMemif(conn, swIfIndex);
      await memif.deleteMemifSocket(conn, socketId);
    }));

  it('vhost-user lifecycle: create tagged, dumps show it, delete', () =>
    replay('vhost-lifecycle.json', async (conn) => {
      const swIfIndex = await vhost.createVhostUser(conn, {
        socketPath: '/run/pktbridge/pod-a/vhost1.sock',
        isServer: true,
        tag: 'pod-a/net1',
      });
      expect((await vhost.listVhostUsers(conn)).map((d) => d.sock_filename)).toEqual([
        '/run/pktbridge/pod-a/vhost1.sock',
      ]);
      const [details] = await interfaces.listInterfaces(conn, 'VirtualEthernet');
      expect(details).toMatchObject({
        sw_if_index: swIfIndex,
        tag: 'pod-a/net1',
        interface_dev_type: 'vhost-user',
      });
      await vhost.deleteVhostUser(conn, swIfIndex);
    }));

  it('l2: bridge domain with two members, then a two-way cross-connect', () =>
    replay('l2.json', async (conn) => {
      const a = await memif.createMemif(conn, { ...memifDefaults, socketId: 0, id: 1 });
      const b = await memif.createMemif(conn, { ...memifDefaults, socketId: 0, id: 2 });
      expect(await l2.addBridgeDomain(conn, 10, { uuFlood: false })).toBe(10);
      await l2.setBridge(conn, a, 10, true);
      await l2.setBridge(conn, b, 10, true);
      expect((await l2.bridgeDomain(conn, 10))?.sw_if_details.map((m) => m.sw_if_index)).toEqual([a, b]);
      await l2.setBridge(conn, a, 10, false);
      await l2.setBridge(conn, b, 10, false);
      await l2.deleteBridgeDomain(conn, 10);
      await l2.setXconnect(conn, a, b, true);
      await l2.setXconnect(conn, a, b, false);
      await memif.deleteMemif(conn, a);
      await memif.deleteMemif(conn, b);
    }));

  it('interface events are delivered to the watcher between replies', () =>
    replay('events.json', async (conn) => {
      const seen: [number, number, boolean][] = [];
      const stop = await interfaces.watchInterfaceEvents(
        conn,
        (e) => seen.push([e.sw_if_index, e.flags, e.deleted]),
        4242,
      );
      const swIfIndex = await memif.createMemif(conn, { ...memifDefaults, socketId: 0, id: 3 });
      await interfaces.setAdminUp(conn, swIfIndex, true);
      await interfaces.setAdminUp(conn, swIfIndex, false);
      await memif.deleteMemif(conn, swIfIndex);
      await stop();
      expect(seen).toEqual([
        [1, 0, false],
        [1, 1, false],
        [1, 0, false],
        [1, 0, true],
      ]);
    }));

  it('errors: VPP retvals become RETVAL errors with their names', () =>
    replay('errors.json', async (conn) => {
      const failing = [
        [() => memif.createMemif(conn, { ...memifDefaults, socketId: 99, id: 0 }), -73, /INVALID_ARGUMENT/],
        [() => memif.deleteMemif(conn, 12345), -2, /INVALID_SW_IF_INDEX/],
        [() => vhost.deleteVhostUser(conn, 12345), -2, /INVALID_SW_IF_INDEX/],
        [() => interfaces.setAdminUp(conn, 4000000, true), -2, /INVALID_SW_IF_INDEX/],
        [() => l2.deleteBridgeDomain(conn, 99), -6, /NO_SUCH_ENTRY/],
      ] as const;
      for (const [call, retval, name] of failing) {
        const error = await call().then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toMatchObject({ code: 'RETVAL', details: { retval } });
        expect((error as Error).message).toMatch(name);
      }
      expect(await memif.addMemifSocket(conn, '/run/pktbridge/no-such-dir/m1.sock', 5)).toBe(5);
      await expect(memif.createMemif(conn, { ...memifDefaults, socketId: 5, id: 0 })).rejects.toMatchObject({
        details: { retval: -14 },
      });
      await memif.deleteMemifSocket(conn, 5);
    }));
});
