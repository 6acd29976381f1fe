// zod schemas for every API request: they turn decoded proto messages into domain values, or fail
// with the proto field's name, before anything is changed.
import { z } from 'zod';
import type { PortSpec } from '../../native-dpdk/index.js';
import type { AttachRequest } from '../attachments/service.js';
import { MAX_SOCKET_PATH_BYTES } from '../attachments/ids.js';
import { invalidArgument, type PktbridgeError } from '../errors.js';

const missing = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

const text = (max: number) =>
  z
    .string({ error: missing('a string') })
    .min(1, 'is required')
    .max(max, `is longer than ${max} characters`);

const named = (max: number, pattern: RegExp, what: string) => text(max).regex(pattern, `must be ${what}`);

/** Container ids, network, bridge and port names: no separators, nothing a path could abuse. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Engine names end up in DPDK devargs: no dots, commas, '=' or spaces. */
const portName = named(
  32,
  /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
  'letters, digits, _ and - (starting with a letter or digit)',
);
const bridgeName = portName;
const linuxIfname = named(15, IFNAME, 'a Linux interface name');

function pathOf(what: string, absolute: boolean) {
  return text(4096)
    .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')
    .refine((p) => !absolute || p.startsWith('/'), `must be an absolute ${what}`);
}

/** A unix socket path: absolute, no `..`, at most 107 bytes (sun_path holds 108 with the NUL). */
const socketPath = pathOf('path', true)
  .refine(
    (p) => Buffer.byteLength(p) <= MAX_SOCKET_PATH_BYTES,
    `is longer than a unix socket path may be (${MAX_SOCKET_PATH_BYTES} bytes)`,
  )
  .refine((p) => !/[,=\s]/.test(p), 'must not contain commas, = or whitespace (DPDK device arguments)');
/** An abstract memif socket name: not a file, but the same limits. */
const abstractName = text(MAX_SOCKET_PATH_BYTES)
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')
  .refine((p) => !/[,=\s]/.test(p), 'must not contain commas, = or whitespace (DPDK device arguments)');

const uint = (min: number, max: number, fallback: number) =>
  z
    .int({ error: missing('an integer') })
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);
const optionalUint = (min: number, max: number) =>
  z
    .int({ error: missing('an integer') })
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .optional();
const flag = z.boolean({ error: missing('a boolean') }).default(false);
const choice = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(fallback);
const powerOfTwo = (n: number) => (n & (n - 1)) === 0;

const vhostUserInterface = z.object({
  mode: choice(['server', 'client'], 'server'),
  queues: uint(1, 16, 1),
});

const memifInterface = z.object({
  role: choice(['server', 'client'], 'server'),
  mode: choice(['ethernet', 'ip', 'punt-inject'], 'ethernet'),
  id: uint(0, 2 ** 32 - 1, 0),
  ring_size: uint(16, 65536, 1024).refine(powerOfTwo, 'must be a power of two'),
  buffer_size: uint(128, 65535, 2048),
  queues: uint(1, 16, 1),
  secret: text(24).optional(),
  abstract: flag,
});

const pciInterface = z.object({
  pci_address: named(
    32,
    /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/,
    'a PCI address like 0000:3b:02.1',
  ),
});

const connect = z.object({
  bridge: bridgeName.optional(),
  xconnect_peer: portName.optional(),
  none: z.boolean().optional(),
});

const createAttachment = z
  .object({
    container_id: named(256, NAME, 'letters, digits, _ . : -'),
    ifname: linuxIfname,
    network: named(253, NAME, 'letters, digits, _ . : -'),
    backend: choice(['native', 'vpp', 'ovs-dpdk', 'sriov-dpdk'], 'native'),
    netns: pathOf('path', true).optional(),
    pod: z
      .object({ namespace: text(63).optional(), name: text(253).optional(), uid: text(64).optional() })
      .optional(),
    vhost_user: vhostUserInterface.optional(),
    memif: memifInterface.optional(),
    pci: pciInterface.optional(),
    slot: named(64, /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, _ . -').optional(),
    socket_dir: socketPath.optional(),
    mac: named(17, /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'a MAC address like 02:00:00:00:00:01').optional(),
    mtu: optionalUint(68, 65535),
    vlan: optionalUint(1, 4094),
    connect: connect.optional(),
    backend_config_json: text(65536).optional(),
  })
  .superRefine((req, ctx) => {
    const given = [req.vhost_user, req.memif, req.pci].filter((i) => i !== undefined).length;
    if (given !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['iface'],
        message: 'one of vhost_user, memif or pci is required',
      });
    if (req.slot === '..') ctx.addIssue({ code: 'custom', path: ['slot'], message: 'must not be ".."' });
  });

export type AttachInput = Omit<AttachRequest, 'socketOwnership'>;

function firstIssue(error: z.ZodError): PktbridgeError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || 'request';
  return invalidArgument(field, issue?.message ?? 'is invalid');
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw firstIssue(result.error);
  return result.data;
}

export function parseCreateAttachment(message: unknown): AttachInput {
  const req = parse(createAttachment, message);
  let backendConfig: Record<string, unknown> = {};
  if (req.backend_config_json !== undefined) {
    try {
      backendConfig = z.record(z.string(), z.unknown()).parse(JSON.parse(req.backend_config_json));
    } catch {
      throw invalidArgument('backend_config_json', 'must be a JSON object');
    }
  }
  const iface: AttachRequest['iface'] = req.memif
    ? {
        type: 'memif',
        role: req.memif.role,
        mode: req.memif.mode,
        id: req.memif.id,
        ringSize: req.memif.ring_size,
        bufferSize: req.memif.buffer_size,
        queues: req.memif.queues,
        secret: req.memif.secret,
        abstract: req.memif.abstract,
      }
    : req.vhost_user
      ? { type: 'vhost-user', mode: req.vhost_user.mode, queues: req.vhost_user.queues }
      : { type: 'pci', pciAddress: req.pci!.pci_address };
  if (iface.type === 'memif' && iface.abstract && !req.netns) {
    throw invalidArgument('netns', 'is required for an abstract memif socket');
  }
  const c = req.connect;
  const connectSpec: AttachRequest['connect'] = c?.xconnect_peer
    ? { kind: 'xconnect', peer: c.xconnect_peer }
    : c?.none
      ? { kind: 'none' }
      : { kind: 'bridge', bridge: c?.bridge ?? req.network };
  return {
    containerId: req.container_id,
    ifname: req.ifname,
    network: req.network,
    backend: req.backend,
    netns: req.netns,
    pod: req.pod,
    iface,
    slot: req.slot,
    socketDir: req.socket_dir,
    mac: req.mac,
    mtu: req.mtu,
    vlan: req.vlan,
    connect: connectSpec,
    backendConfig,
  };
}

const attachmentKey = z.object({
  container_id: named(256, NAME, 'letters, digits, _ . : -'),
  ifname: linuxIfname,
});

export function parseAttachmentKey(message: unknown): { containerId: string; ifname: string } {
  const req = parse(attachmentKey, message);
  return { containerId: req.container_id, ifname: req.ifname };
}

/** Port names of the form pb<16 hex> belong to attachments. */
const userPortName = portName.refine((n) => !/^pb[0-9a-f]{16}$/.test(n), 'is reserved for attachment ports');

const addPort = z
  .object({
    name: userPortName,
    memif: z
      .object({
        socket_path: text(4096),
        role: choice(['server', 'client'], 'server'),
        id: uint(0, 2 ** 32 - 1, 0),
        abstract: flag,
        ring_size: uint(16, 65536, 1024).refine(powerOfTwo, 'must be a power of two'),
        buffer_size: uint(128, 65535, 2048),
        secret: text(24).optional(),
        mode: choice(['ethernet', 'ip'], 'ethernet'),
      })
      .superRefine((m, ctx) => {
        const check = (m.abstract ? abstractName : socketPath).safeParse(m.socket_path);
        if (!check.success)
          ctx.addIssue({ code: 'custom', path: ['socket_path'], message: check.error.issues[0]!.message });
      })
      .optional(),
    vhost_user: z
      .object({
        socket_path: socketPath,
        mode: choice(['server', 'client'], 'server'),
        queues: uint(1, 16, 1),
      })
      .optional(),
    af_packet: z.object({ iface: linuxIfname }).optional(),
    tap: z.object({ iface: linuxIfname.optional() }).optional(),
    null_port: z.object({}).optional(),
  })
  .superRefine((req, ctx) => {
    const given = [req.memif, req.vhost_user, req.af_packet, req.tap, req.null_port].filter(
      (k) => k !== undefined,
    );
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: 'one of memif, vhost_user, af_packet, tap or null_port is required',
      });
    }
  });

export function parseAddPort(message: unknown): PortSpec {
  const req = parse(addPort, message);
  const name = req.name;
  if (req.memif) {
    const m = req.memif;
    return {
      kind: 'memif',
      name,
      socketPath: m.socket_path,
      role: m.role,
      id: m.id,
      abstract: m.abstract,
      ringSize: m.ring_size,
      bufferSize: m.buffer_size,
      secret: m.secret,
      // Ethernet is the PMD's default; the engine (22.11 devargs) rejects an explicit mode=ethernet.
      mode: m.mode === 'ip' ? 'ip' : undefined,
    };
  }
  if (req.vhost_user) {
    return {
      kind: 'vhost-user',
      name,
      socketPath: req.vhost_user.socket_path,
      mode: req.vhost_user.mode,
      queues: req.vhost_user.queues,
    };
  }
  if (req.af_packet) return { kind: 'af_packet', name, iface: req.af_packet.iface };
  if (req.tap) return { kind: 'tap', name, iface: req.tap.iface };
  return { kind: 'null', name };
}

export const parsePortName = (message: unknown): string => parse(z.object({ name: portName }), message).name;

export const parseXconnect = (message: unknown): { a: string; b: string } =>
  parse(z.object({ a: portName, b: portName }), message);

export const parsePortField = (message: unknown): string => parse(z.object({ port: portName }), message).port;

export const parseBridgeName = (message: unknown): string =>
  parse(z.object({ name: bridgeName }), message).name;

export const parseBridgePort = (message: unknown): { bridge: string; port: string } =>
  parse(z.object({ bridge: bridgeName, port: portName }), message);

const portList = z.array(portName).max(1024, 'lists more than 1024 ports').default([]);

export const parseGetStats = (message: unknown): { ports: string[] } =>
  parse(z.object({ ports: portList }), message);

export const parseWatchStats = (message: unknown): { ports: string[]; intervalMs: number } => {
  const req = parse(z.object({ ports: portList, interval_ms: uint(100, 60000, 1000) }), message);
  return { ports: req.ports, intervalMs: req.interval_ms };
};

/** Requests without fields: anything unexpected is still rejected by the wire check. */
export const parseEmpty = (message: unknown): void => void parse(z.object({}), message);
