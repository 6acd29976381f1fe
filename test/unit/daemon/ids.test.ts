// Attachment ids and socket locations: stable ids, per-attachment dirs, the socket root and 108 bytes.
import { describe, expect, it } from 'vitest';
import { attachmentId, shortId, socketLocation } from '../../../src/attachments/ids.js';

const root = '/run/pktbridge/sockets';

describe('attachment ids', () => {
  it('are stable, 16 hex digits, and differ per ifname', () => {
    const id = attachmentId('abc', 'net1');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(attachmentId('abc', 'net1')).toBe(id);
    expect(attachmentId('abc', 'net2')).not.toBe(id);
    expect(attachmentId('ab', 'cnet1')).not.toBe(id);
  });
});

describe('socket locations', () => {
  const id = attachmentId('c', 'net1');

  it('put each attachment in <root>/<short id>/<ifname>.sock', () => {
    expect(socketLocation({ socketRoot: root, id, ifname: 'net1' })).toEqual({
      socketDir: `${root}/${shortId(id)}`,
      socketPath: `${root}/${shortId(id)}/net1.sock`,
    });
  });

  it('use the slot directory when a device-plugin slot is given', () => {
    expect(socketLocation({ socketRoot: root, id, ifname: 'net1', slot: 'vhost-3' }).socketPath).toBe(
      `${root}/vhost-3/net1.sock`,
    );
  });

  it('accept a socketDir inside the root', () => {
    expect(
      socketLocation({ socketRoot: root, id, ifname: 'net1', socketDir: `${root}/lab/a/` }).socketPath,
    ).toBe(`${root}/lab/a/net1.sock`);
  });

  it.each([
    ['outside the root', '/tmp/x', /not inside the socket root/],
    ['the root itself', root, /not inside the socket root/],
    ['with ..', `${root}/../etc`, /\.\./],
    ['relative', 'lab/a', /absolute/],
  ])('reject a socketDir %s', (_what, socketDir, message) => {
    expect(() => socketLocation({ socketRoot: root, id, ifname: 'net1', socketDir })).toThrow(message);
  });

  it('reject a slot that would escape the root', () => {
    expect(() => socketLocation({ socketRoot: root, id, ifname: 'net1', slot: '..' })).toThrow(/^slot: /);
    expect(() => socketLocation({ socketRoot: root, id, ifname: 'net1', slot: 'a/b' })).toThrow(/^slot: /);
  });

  it('reject a socket path over 107 bytes, naming socketPath', () => {
    const longRoot = `/${'r'.repeat(90)}`;
    expect(() => socketLocation({ socketRoot: longRoot, id, ifname: 'net1' })).toThrow(
      /^socketPath: \d+ bytes/,
    );
    const fits = `/${'r'.repeat(107 - '/0123456789ab/net1.sock'.length - 1)}`;
    expect(Buffer.byteLength(socketLocation({ socketRoot: fits, id, ifname: 'net1' }).socketPath)).toBe(107);
  });

  it('reject an ifname that is not an interface name', () => {
    expect(() => socketLocation({ socketRoot: root, id, ifname: '../x' })).toThrow(/^ifname: /);
  });
});
