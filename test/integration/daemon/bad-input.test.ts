// Bad input on every API method of a real daemon: missing fields, wrong wire types, oversized strings,
// `..` paths and socket paths over 107 bytes get INVALID_ARGUMENT naming the field, and change nothing.
import { readdirSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServiceError } from '../../../src/api/client.js';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

/** Protobuf encoding by hand, so a test can send what a typed client never would. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const str = (field: number, value: string): number[] => {
  const bytes = [...Buffer.from(value)];
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
};
const int = (field: number, value: number): number[] => [...varint(field << 3), ...varint(value)];
const msg = (field: number, body: number[]): number[] => [
  ...varint((field << 3) | 2),
  ...varint(body.length),
  ...body,
];

const long = (n: number): string => 'x'.repeat(n);
const longPath = `/tmp/${'p'.repeat(110)}.sock`;

describe('bad input on every API method', () => {
  let daemon: TestDaemon;
  let raw: grpc.Client;
  let before: string;

  /** Everything a bad call could have changed. */
  async function snapshot(): Promise<string> {
    const [ports, attachments, bridges] = await Promise.all([
      daemon.client.call('ListPorts'),
      daemon.client.call('ListAttachments'),
      daemon.client.call('ListBridges'),
    ]);
    const files = (dir: string) => {
      try {
        return readdirSync(dir).sort();
      } catch {
        return [];
      }
    };
    return JSON.stringify({
      ports,
      attachments,
      bridges,
      state: files(`${daemon.stateDir}/attachments`),
      sockets: files(daemon.socketRoot),
    });
  }

  beforeAll(async () => {
    daemon = await startTestDaemon();
    // A real object of each kind, so "changes nothing" is checked against something.
    await daemon.client.call('AddPort', { name: 'keep', memif: { socket_path: `${daemon.dir}/keep.sock` } });
    await daemon.client.call('CreateAttachment', {
      container_id: 'c-keep',
      ifname: 'net1',
      network: 'n1',
      memif: {},
    });
    before = await snapshot();
    raw = new grpc.Client(`unix:${daemon.apiSocket}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    raw?.close();
    await daemon?.cleanup();
  });

  async function expectInvalid(method: string, request: object, field: string): Promise<void> {
    const err = await daemon.client.call(method as 'AddPort', request).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isServiceError(err), `${method} accepted ${JSON.stringify(request)}`).toBe(true);
    const serviceError = err as grpc.ServiceError;
    expect(serviceError.code, serviceError.details).toBe(grpc.status.INVALID_ARGUMENT);
    expect(
      serviceError.details.startsWith(`${field}: `),
      `${serviceError.details} should name ${field}`,
    ).toBe(true);
  }

  function rawCall(method: string, bytes: number[]): Promise<grpc.ServiceError | undefined> {
    return new Promise((resolve) => {
      raw.makeUnaryRequest(
        `/pktbridge.v1.Pktbridge/${method}`,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(bytes),
        (err) => resolve(err ?? undefined),
      );
    });
  }

  async function expectRawInvalid(method: string, bytes: number[], field: string): Promise<void> {
    const err = await rawCall(method, bytes);
    expect(err?.code, err?.details).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details.startsWith(`${field}: `), `${err?.details} should name ${field}`).toBe(true);
  }

  const validAttach = { container_id: 'c1', ifname: 'net1', network: 'n1', memif: {} };

  it.each([
    ['missing container_id', { ...validAttach, container_id: undefined }, 'container_id'],
    ['missing ifname', { ...validAttach, ifname: undefined }, 'ifname'],
    ['missing network', { ...validAttach, network: undefined }, 'network'],
    ['no interface', { container_id: 'c1', ifname: 'net1', network: 'n1' }, 'iface'],
    ['oversized container_id', { ...validAttach, container_id: long(300) }, 'container_id'],
    ['oversized ifname', { ...validAttach, ifname: long(16) }, 'ifname'],
    ['socket_dir with ..', { ...validAttach, socket_dir: '/tmp/../etc' }, 'socket_dir'],
    ['socket_dir over 107 bytes', { ...validAttach, socket_dir: longPath }, 'socket_dir'],
    ['netns with ..', { ...validAttach, netns: '/var/run/netns/../../etc' }, 'netns'],
    ['bad memif role', { ...validAttach, memif: { role: 'boss' } }, 'memif.role'],
    ['ring size not a power of two', { ...validAttach, memif: { ring_size: 1000 } }, 'memif.ring_size'],
    ['oversized secret', { ...validAttach, memif: { secret: long(25) } }, 'memif.secret'],
    ['bad backend config JSON', { ...validAttach, backend_config_json: '[1' }, 'backend_config_json'],
    ['unknown backend', { ...validAttach, backend: 'dpdk-magic' }, 'backend'],
    ['bad bridge name', { ...validAttach, connect: { bridge: 'a/b' } }, 'connect.bridge'],
  ])('CreateAttachment: %s', async (_what, request, field) => {
    await expectInvalid('CreateAttachment', request, field);
  });

  it('CreateAttachment: a socket dir outside the socket root', async () => {
    await expectInvalid('CreateAttachment', { ...validAttach, socket_dir: '/tmp/elsewhere' }, 'socketDir');
  });

  it('CreateAttachment: a socket path that the socket root makes too long', async () => {
    const dir = `${daemon.socketRoot}/${'d'.repeat(100 - daemon.socketRoot.length)}`;
    await expectInvalid('CreateAttachment', { ...validAttach, socket_dir: dir }, 'socketPath');
  });

  it('CreateAttachment: wrong wire types', async () => {
    await expectRawInvalid('CreateAttachment', [...int(1, 7), ...str(2, 'net1')], 'container_id');
    await expectRawInvalid('CreateAttachment', [...str(1, 'c1'), ...msg(8, str(3, 'seven'))], 'memif.id');
    await expectRawInvalid('CreateAttachment', [...str(1, 'c1'), ...int(15, 1)], 'connect');
  });

  it.each([
    ['missing container_id', { ifname: 'net1' }, 'container_id'],
    ['missing ifname', { container_id: 'c1' }, 'ifname'],
    ['oversized ifname', { container_id: 'c1', ifname: long(40) }, 'ifname'],
  ])('DeleteAttachment: %s', async (_what, request, field) => {
    await expectInvalid('DeleteAttachment', request, field);
  });

  it('DeleteAttachment: wrong wire type', async () => {
    await expectRawInvalid('DeleteAttachment', [...str(1, 'c1'), ...int(2, 3)], 'ifname');
  });

  it.each([
    ['missing name', { memif: { socket_path: '/tmp/a.sock' } }, 'name'],
    ['oversized name', { name: long(33), memif: { socket_path: '/tmp/a.sock' } }, 'name'],
    ['name reserved for attachments', { name: 'pb0123456789abcdef', null_port: {} }, 'name'],
    ['no kind', { name: 'p1' }, 'kind'],
    ['missing socket path', { name: 'p1', memif: {} }, 'memif.socket_path'],
    ['socket path with ..', { name: 'p1', memif: { socket_path: '/tmp/../p1.sock' } }, 'memif.socket_path'],
    ['socket path over 107 bytes', { name: 'p1', memif: { socket_path: longPath } }, 'memif.socket_path'],
    [
      'relative socket path',
      { name: 'p1', vhost_user: { socket_path: 'p1.sock' } },
      'vhost_user.socket_path',
    ],
    [
      'vhost socket over 107 bytes',
      { name: 'p1', vhost_user: { socket_path: longPath } },
      'vhost_user.socket_path',
    ],
    [
      'too many queues',
      { name: 'p1', vhost_user: { socket_path: '/tmp/p.sock', queues: 99 } },
      'vhost_user.queues',
    ],
    ['bad af_packet iface', { name: 'p1', af_packet: { iface: long(16) } }, 'af_packet.iface'],
  ])('AddPort: %s', async (_what, request, field) => {
    await expectInvalid('AddPort', request, field);
  });

  it('AddPort: wrong wire types', async () => {
    await expectRawInvalid('AddPort', [...int(1, 5)], 'name');
    await expectRawInvalid(
      'AddPort',
      [...str(1, 'p1'), ...msg(2, [...str(1, '/tmp/a.sock'), ...str(3, 'one')])],
      'memif.id',
    );
  });

  it('DeletePort: missing, oversized and wrongly typed name', async () => {
    await expectInvalid('DeletePort', {}, 'name');
    await expectInvalid('DeletePort', { name: long(200) }, 'name');
    await expectRawInvalid('DeletePort', int(1, 1), 'name');
  });

  it('AddXconnect / DeleteXconnect: missing and bad ports', async () => {
    await expectInvalid('AddXconnect', { a: 'keep' }, 'b');
    await expectInvalid('AddXconnect', { a: '../x', b: 'keep' }, 'a');
    await expectRawInvalid('AddXconnect', [...str(1, 'keep'), ...int(2, 9)], 'b');
    await expectInvalid('DeleteXconnect', {}, 'port');
    await expectInvalid('DeleteXconnect', { port: long(64) }, 'port');
  });

  it('bridge methods: missing and bad names', async () => {
    await expectInvalid('CreateBridge', {}, 'name');
    await expectInvalid('CreateBridge', { name: 'br/..' }, 'name');
    await expectRawInvalid('CreateBridge', int(1, 1), 'name');
    await expectInvalid('DeleteBridge', { name: long(33) }, 'name');
    await expectInvalid('BridgeAddPort', { bridge: 'b1' }, 'port');
    await expectInvalid('BridgeAddPort', { port: 'keep' }, 'bridge');
    await expectInvalid('BridgeRemovePort', {}, 'port');
  });

  it('GetStats and WatchStats: bad port names and intervals', async () => {
    await expectInvalid('GetStats', { ports: ['ok', 'not ok'] }, 'ports.1');
    await expectRawInvalid('GetStats', int(1, 4), 'ports');
    const stream = daemon.client.watchStats({ interval_ms: 5 });
    const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^interval_ms: /);
  });

  it.each(['Health', 'Version', 'Status', 'ListAttachments', 'ListPorts', 'ListBridges'])(
    '%s: an undecodable request',
    async (method) => {
      await expectRawInvalid(method, [0x0a, 0x05, 0x61], '#1');
    },
  );

  it('changed nothing', async () => {
    expect(await snapshot()).toBe(before);
  });
});
