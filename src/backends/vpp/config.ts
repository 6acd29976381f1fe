// The VPP backend's per-network settings (the netconf's `vpp` section, in spec.backendConfig) and the
// names it gives VPP objects: interface tags that identify an attachment, and bridge-domain ids.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PktbridgeError } from '../../errors.js';
import type { AttachSpec } from '../backend.js';

export const vppNetworkConfigSchema = z.strictObject({
  apiSocket: z.string().startsWith('/', 'an absolute path').optional(),
});

/** The API socket of the VPP that serves `spec`: the network's override, else the daemon default. */
export function apiSocketOf(spec: AttachSpec, defaultSocket: string): string {
  const parsed = vppNetworkConfigSchema.safeParse(spec.backendConfig);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = `vpp.${issue?.path.join('.') ?? ''}`;
    throw new PktbridgeError('INVALID_ARGUMENT', `${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  return parsed.data.apiSocket ?? defaultSocket;
}

const TAG_PREFIX = 'pktbridge:';
/** VPP tags are string[64], NUL-terminated in VPP's C code: 63 usable bytes. */
const TAG_BYTES = 63;

/** `pktbridge:<id> <namespace>/<pod>/<ifname>`, cut to fit; the id alone identifies the attachment. */
export function interfaceTag(spec: Pick<AttachSpec, 'id' | 'ifname' | 'pod'>): string {
  const who = [spec.pod?.namespace, spec.pod?.name, spec.ifname].filter((part) => part).join('/');
  let tag = `${TAG_PREFIX}${spec.id} ${who}`;
  while (Buffer.byteLength(tag) > TAG_BYTES) tag = tag.slice(0, -1);
  return tag;
}

/** The attachment id in a tag pktbridge wrote, or undefined for anyone else's interface. */
export function attachmentIdOfTag(tag: string): string | undefined {
  return tag.startsWith(TAG_PREFIX) ? tag.slice(TAG_PREFIX.length).split(' ')[0] || undefined : undefined;
}

/** bd_tag of a bridge domain pktbridge created for a bridge name. */
export function bridgeDomainTag(bridge: string): string {
  const tag = `${TAG_PREFIX}bd ${bridge}`;
  return Buffer.byteLength(tag) <= TAG_BYTES
    ? tag
    : `${TAG_PREFIX}bd #${createHash('sha256').update(bridge).digest('hex').slice(0, 32)}`;
}

/** VPP bridge domains are numbered 1..0xffffff: a numeric bridge name is used as is, others are hashed. */
export function bridgeDomainId(bridge: string): number {
  if (/^\d+$/.test(bridge)) {
    const id = Number(bridge);
    if (id >= 1 && id <= 0xffffff) return id;
    throw new PktbridgeError(
      'INVALID_ARGUMENT',
      `connect.bridge: bridge domain ${bridge} is outside 1..16777215`,
      { field: 'connect.bridge' },
    );
  }
  return (createHash('sha256').update(bridge).digest().readUInt32BE(0) % 0xfffffe) + 1;
}
