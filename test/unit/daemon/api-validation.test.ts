// API edge validation without a daemon: the wire-type check of the request decoder and the zod
// schemas that turn requests into domain values (defaults, field names in errors).
import { describe, expect, it } from 'vitest';
import { isDecodeFailure, loadApi } from '../../../src/api/proto.js';
import { parseAddPort, parseCreateAttachment } from '../../../src/api/schemas.js';

const decode = (method: string, bytes: number[]): unknown => {
  const definition = loadApi('server').service[method]!;
  return definition.requestDeserialize(Buffer.from(bytes));
};

describe('request decoding', () => {
  it('decodes a well-formed request', () => {
    // field 1 (name) = "m0"
    expect(decode('DeletePort', [0x0a, 0x02, 0x6d, 0x30])).toEqual({ name: 'm0' });
  });

  it('names the field sent with the wrong wire type', () => {
    const result = decode('DeletePort', [0x08, 0x01]);
    expect(isDecodeFailure(result) && result.decodeFailure.field).toBe('name');
  });

  it('names nested fields with their path', () => {
    // CreateAttachmentRequest.memif (8) { id (3) as a string }
    const result = decode('CreateAttachment', [0x42, 0x03, 0x1a, 0x01, 0x61]);
    expect(isDecodeFailure(result) && result.decodeFailure.field).toBe('memif.id');
  });

  it('reports a truncated message instead of throwing', () => {
    const result = decode('AddPort', [0x0a, 0x09, 0x61]);
    expect(isDecodeFailure(result) && result.decodeFailure.message).toMatch(/truncated/);
  });
});

describe('request schemas', () => {
  it('fills memif defaults and joins the network bridge by default', () => {
    const request = parseCreateAttachment({ container_id: 'c1', ifname: 'net1', network: 'n1', memif: {} });
    expect(request.iface).toEqual({
      type: 'memif',
      role: 'server',
      mode: 'ethernet',
      id: 0,
      ringSize: 1024,
      bufferSize: 2048,
      queues: 1,
      secret: undefined,
      abstract: false,
    });
    expect(request.connect).toEqual({ kind: 'bridge', bridge: 'n1' });
    expect(request.backend).toBe('native');
  });

  it('takes xconnect and none from connect', () => {
    const base = { container_id: 'c1', ifname: 'net1', network: 'n1', vhost_user: {} };
    expect(parseCreateAttachment({ ...base, connect: { xconnect_peer: 'p1' } }).connect).toEqual({
      kind: 'xconnect',
      peer: 'p1',
    });
    expect(parseCreateAttachment({ ...base, connect: { none: true } }).connect).toEqual({ kind: 'none' });
  });

  it('requires a netns for an abstract memif socket', () => {
    expect(() =>
      parseCreateAttachment({ container_id: 'c1', ifname: 'net1', network: 'n1', memif: { abstract: true } }),
    ).toThrow(/^netns: /);
  });

  it('maps a memif port request to the engine spec', () => {
    expect(
      parseAddPort({ name: 'm0', memif: { socket_path: '/tmp/m0.sock', role: 'client', id: 3 } }),
    ).toMatchObject({
      kind: 'memif',
      name: 'm0',
      socketPath: '/tmp/m0.sock',
      role: 'client',
      id: 3,
    });
  });

  it('rejects DPDK devargs separators in socket paths', () => {
    expect(() => parseAddPort({ name: 'm0', vhost_user: { socket_path: '/tmp/a,b.sock' } })).toThrow(
      /^vhost_user\.socket_path: .*commas/,
    );
  });
});
