// Connection behaviour against a scripted VPP stand-in: contexts, dumps, events, keepalive, timeouts,
// malformed and truncated frames, a close mid-dump, the outstanding-request bound and reconnect.
import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import path from 'node:path';
import { VppConnection } from '../../../vpp-api/connection.js';
import { loadDefinitions } from '../../../vpp-api/definitions.js';
import {
  ScriptedVppServer,
  sharedVppDir,
  type Responder,
  type ScriptedRequest,
  type ScriptedReplies,
} from '../../helpers/vpp-replay.js';

const definitions = loadDefinitions(path.join(sharedVppDir(), 'api'));
let server: ScriptedVppServer | undefined;
let connection: VppConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await server?.close();
  connection = undefined;
  server = undefined;
});

async function setup(
  respond: Responder,
  options: Partial<Parameters<typeof VppConnection.connect>[0]> = {},
): Promise<VppConnection> {
  server = await ScriptedVppServer.start(respond);
  connection = await VppConnection.connect({
    socketPath: server.socketPath,
    definitions,
    reconnect: false,
    requestTimeoutMs: 2000,
    ...options,
  });
  return connection;
}

const details = (context: unknown, swIfIndex: number): Record<string, unknown> => ({
  context,
  sw_if_index: swIfIndex,
  if_name: `memif0/${swIfIndex}`,
  ring_size: 1,
});
const pingReply = (context: unknown): Record<string, unknown> => ({
  context,
  retval: 0,
  client_index: 0x80000001,
  vpe_pid: 1,
});

describe('VppConnection', () => {
  it('matches replies to requests by context when VPP answers out of order', async () => {
    const held: [ScriptedRequest, ScriptedReplies][] = [];
    const conn = await setup((request, reply) => {
      held.push([request, reply]);
      if (held.length === 2)
        for (const [r, io] of held.reverse())
          io.send('sw_interface_set_flags_reply', {
            context: r.fields.context,
            retval: r.fields.sw_if_index === 1 ? 0 : -2,
          });
    });
    const [first, second] = await Promise.allSettled([
      conn.request('sw_interface_set_flags', { sw_if_index: 1, flags: 1 }),
      conn.request('sw_interface_set_flags', { sw_if_index: 2, flags: 1 }),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { retval: 0 } });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'RETVAL', details: { retval: -2 } } });
  });

  it('collects dump details until control_ping_reply, with events interleaved', async () => {
    const events: unknown[] = [];
    const conn = await setup((request, reply) => {
      if (request.name !== 'control_ping') return;
      const context = request.fields.context;
      reply.send('sw_interface_event', {
        client_index: 0x80000001,
        pid: 1,
        sw_if_index: 9,
        flags: 1,
        deleted: false,
      });
      reply.send('memif_details', details(context, 1));
      reply.send('sw_interface_event', {
        client_index: 0x80000001,
        pid: 1,
        sw_if_index: 9,
        flags: 0,
        deleted: true,
      });
      reply.send('memif_details', details(context, 2));
      reply.send('control_ping_reply', pingReply(context));
    });
    conn.subscribe('sw_interface_event', (event) => events.push(event.deleted));
    const items = await conn.dump('memif_dump');
    expect(items.map((d) => d.if_name)).toEqual(['memif0/1', 'memif0/2']);
    expect(events).toEqual([false, true]);
    expect(server!.received.map((r) => r.name)).toEqual(['memif_dump', 'control_ping']);
    expect(server!.received[0]!.fields.context).toBe(server!.received[1]!.fields.context);
  });

  it('times out a request VPP never answers, naming it, and ignores the late reply', async () => {
    let late: (() => void) | undefined;
    const conn = await setup((request, reply) => {
      if (request.name === 'show_version')
        late = () =>
          reply.send('show_version_reply', { context: request.fields.context, retval: 0, program: 'vpe' });
      else reply.send('control_ping_reply', pingReply(request.fields.context));
    });
    await expect(conn.request('show_version', {}, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringMatching(/^show_version: no show_version_reply within 100 ms/),
    });
    late!();
    expect((await conn.request('control_ping')).retval).toBe(0);
  });

  it('rejects a dump cut off by VPP closing the socket, saying how far it got', async () => {
    const conn = await setup((request, reply) => {
      if (request.name !== 'control_ping') return;
      reply.send('memif_details', details(request.fields.context, 1));
      setTimeout(() => reply.close(), 20);
    });
    await expect(conn.dump('memif_dump')).rejects.toMatchObject({
      code: 'CLOSED',
      message: expect.stringMatching(/memif_dump: .* after 1 details/),
    });
    expect(conn.state).toBe('closed');
  });

  it('fails the request whose reply is truncated, naming message and field, and stays usable', async () => {
    const conn = await setup((request, reply) => {
      const frame = server!.frame(
        request.name === 'memif_create_v2' ? 'memif_create_v2_reply' : 'control_ping_reply',
        {
          context: request.fields.context,
          retval: 0,
          sw_if_index: 3,
        },
      );
      if (request.name !== 'memif_create_v2') return reply.sendRaw(frame);
      const cut = frame.subarray(0, frame.length - 2);
      cut.writeUInt32BE(cut.length - 16, 8);
      reply.sendRaw(cut);
    });
    await expect(conn.request('memif_create_v2', {})).rejects.toMatchObject({
      code: 'DECODE',
      message: expect.stringMatching(/^memif_create_v2_reply\.sw_if_index: frame truncated/),
    });
    expect((await conn.request('control_ping')).retval).toBe(0);
  });

  it('reports a frame that ends mid-payload when VPP closes', async () => {
    const conn = await setup((request, reply) => {
      const frame = server!.frame('control_ping_reply', pingReply(request.fields.context));
      reply.sendRaw(frame.subarray(0, frame.length - 3));
      setTimeout(() => reply.close(), 20);
    });
    await expect(conn.request('control_ping')).rejects.toMatchObject({
      code: 'CLOSED',
      message: expect.stringMatching(/middle of a frame/),
    });
  });

  it('rejects unknown messages before sending and drops frames with unknown ids', async () => {
    const conn = await setup((request, reply) => {
      const junk = Buffer.alloc(16 + 6);
      junk.writeUInt32BE(6, 8);
      junk.writeUInt16BE(9999, 16);
      reply.sendRaw(junk);
      reply.send('control_ping_reply', pingReply(request.fields.context));
    });
    await expect(conn.request('no_such_message')).rejects.toMatchObject({
      code: 'UNKNOWN_MESSAGE',
      message: expect.stringMatching(/no_such_message/),
    });
    expect((await conn.request('control_ping')).retval).toBe(0);
  });

  it('answers memclnt_keepalive with memclnt_keepalive_reply on the same context', async () => {
    let replyTo: ScriptedReplies | undefined;
    const conn = await setup((request, reply) => {
      if (request.name === 'control_ping') {
        replyTo = reply;
        reply.send('control_ping_reply', pingReply(request.fields.context));
      }
    });
    await conn.request('control_ping');
    const answered = new Promise<ScriptedRequest>((resolve) => {
      const check = setInterval(() => {
        const keepalive = server!.received.find((r) => r.name === 'memclnt_keepalive_reply');
        if (!keepalive) return;
        clearInterval(check);
        resolve(keepalive);
      }, 5);
    });
    replyTo!.send('memclnt_keepalive', { client_index: 0x80000001, context: 77 });
    expect((await answered).fields).toMatchObject({ context: 77, retval: 0 });
  });

  it('keeps at most maxOutstanding requests in flight', async () => {
    const held: (() => void)[] = [];
    const conn = await setup(
      (request, reply) =>
        held.push(() => reply.send('control_ping_reply', pingReply(request.fields.context))),
      { maxOutstanding: 2 },
    );
    const all = Promise.all(Array.from({ length: 5 }, () => conn.request('control_ping')));
    const deadline = Date.now() + 2000;
    while (server!.received.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server!.received.length).toBe(2);
    while (server!.received.length < 5 || held.length > 0) {
      held.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await all).toHaveLength(5);
  });

  it('reconnects after a VPP restart and rebuilds the message table with the new ids', async () => {
    const conn = await setup(
      (request, reply) => reply.send('control_ping_reply', pingReply(request.fields.context)),
      {
        reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
      },
    );
    const idBefore = conn.messageTable.id('control_ping');
    const reconnected = once(conn, 'reconnected');
    await server!.restart(1000);
    await reconnected;
    expect(conn.state).toBe('connected');
    expect(conn.messageTable.id('control_ping')).toBe(idBefore + 1000);
    expect((await conn.request('control_ping')).retval).toBe(0);
  });
});

describe('interface event watch', () => {
  it('subscribes again after VPP restarts', async () => {
    const { watchInterfaceEvents } = await import('../../../vpp-api/features/interfaces.js');
    const conn = await setup(
      (request, reply) => reply.send(`${request.name}_reply`, { context: request.fields.context, retval: 0 }),
      {
        reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
      },
    );
    const stop = await watchInterfaceEvents(conn, () => undefined, 77);
    const reconnected = once(conn, 'reconnected');
    await server!.restart();
    await reconnected;
    const deadline = Date.now() + 2000;
    const wants = (): number => server!.received.filter((r) => r.name === 'want_interface_events').length;
    while (wants() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(
      server!.received.filter((r) => r.name === 'want_interface_events').map((r) => r.fields),
    ).toMatchObject([
      { enable_disable: 1, pid: 77 },
      { enable_disable: 1, pid: 77 },
    ]);
    await stop();
  });
});

describe('event delivery', () => {
  it('keeps the connection when an event handler throws', async () => {
    const seen: number[] = [];
    const conn = await setup((request, reply) => {
      reply.send('sw_interface_event', {
        client_index: 0x80000001,
        pid: 1,
        sw_if_index: 5,
        flags: 0,
        deleted: false,
      });
      reply.send('control_ping_reply', pingReply(request.fields.context));
    });
    conn.subscribe('sw_interface_event', () => {
      throw new Error('subscriber bug');
    });
    conn.subscribe('sw_interface_event', (event) => seen.push(event.sw_if_index as number));
    expect((await conn.request('control_ping')).retval).toBe(0);
    expect((await conn.request('control_ping')).retval).toBe(0);
    expect(seen).toEqual([5, 5]);
    expect(conn.state).toBe('connected');
  });
});
