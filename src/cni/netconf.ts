// The vhost-cni network configuration: zod schema (exported for NAD validation) and the parser that
// turns stdin into a validated config or a CNI error (6 bad JSON, 7 naming field and value).
import { z } from 'zod';
import { CniCode, CniError, invalidConfig } from './errors.js';
import { ovsNetworkConfigSchema } from '../backends/ovs/config.js';
import { sriovNetworkConfigSchema } from '../backends/sriov/vfSettings.js';

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;
const PCI_ADDRESS = /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
/** The spec's rule for network names. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const powerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

const mac = z.string().regex(MAC, 'a MAC address like 02:00:00:00:00:01');
const mtu = z.int().min(68).max(65535);

export const memifInterfaceSchema = z.strictObject({
  type: z.literal('memif'),
  /** Host-side role; the pod's app takes the other one. */
  role: z.enum(['server', 'client']).default('server'),
  mode: z.enum(['ethernet', 'ip', 'punt-inject']).default('ethernet'),
  id: z.int().min(0).max(0xffffffff).default(0),
  ringSize: z.int().min(2).max(65536).refine(powerOfTwo, 'a power of two').default(1024),
  bufferSize: z.int().min(128).max(65535).default(2048),
  queues: z.int().min(1).max(255).default(1),
  secret: z.string().min(1).max(24).optional(),
  abstract: z.boolean().default(false),
  mtu: mtu.optional(),
  mac: mac.optional(),
});

export const vhostUserInterfaceSchema = z.strictObject({
  type: z.literal('vhost-user'),
  /** Host-side mode: 'server' creates the socket and the pod's virtio-user connects. */
  mode: z.enum(['server', 'client']).default('server'),
  queues: z.int().min(1).max(128).default(1),
  mtu: mtu.optional(),
  mac: mac.optional(),
});

export const pciInterfaceSchema = z.strictObject({
  type: z.literal('pci'),
  /** Defaults to the deviceID (or pciBusID) Multus passes from the SR-IOV device plugin. */
  pciAddress: z.string().regex(PCI_ADDRESS, 'a PCI address like 0000:3b:02.1').optional(),
  mtu: mtu.optional(),
  mac: mac.optional(),
});

export const interfaceSchema = z.discriminatedUnion('type', [
  memifInterfaceSchema,
  vhostUserInterfaceSchema,
  pciInterfaceSchema,
]);

const octalMode = z.union([
  z
    .string()
    .regex(/^0?[0-7]{3}$/, 'an octal mode like "0750"')
    .transform((text) => parseInt(text, 8)),
  z.int().min(0).max(0o777),
]);

export const socketSchema = z.strictObject({
  /** Socket directory; must lie inside the daemon's socket root (the daemon checks). */
  dir: z.string().startsWith('/', 'an absolute path').optional(),
  uid: z.int().min(0).optional(),
  gid: z.int().min(0).optional(),
  mode: octalMode.default(0o750),
});

const attachmentKeySchema = z.object({ containerID: z.string().min(1), ifname: z.string().min(1) });

export const BACKENDS = ['native', 'vpp', 'ovs-dpdk', 'sriov-dpdk'] as const;

/** Unknown top-level keys are ignored (stripped), as the spec asks; sections are strict. */
export const netconfSchema = z
  .object({
    cniVersion: z.string().optional(),
    cniVersions: z.array(z.string()).optional(),
    name: z.string().regex(NETWORK_NAME, 'a network name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)').max(128),
    type: z.literal('vhost-cni'),
    backend: z.enum(BACKENDS).default('native'),
    interface: interfaceSchema,
    /** L2 bridge to join; defaults to the network name when no xconnect is given. */
    bridge: z.string().min(1).max(64).optional(),
    /** Cross-connect peer or uplink port instead of a bridge. */
    xconnect: z.string().min(1).max(64).optional(),
    vlan: z.int().min(1).max(4094).optional(),
    socket: socketSchema.optional(),
    ipam: z.looseObject({ type: z.string().regex(/^[a-zA-Z0-9_.-]+$/, 'a plugin file name') }).optional(),
    capabilities: z.record(z.string(), z.boolean()).optional(),
    runtimeConfig: z.record(z.string(), z.unknown()).optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    prevResult: z.record(z.string(), z.unknown()).optional(),
    /** Set by Multus from the device plugin: a socket slot, or a VF's PCI address. */
    deviceID: z.string().min(1).optional(),
    pciBusID: z.string().min(1).optional(),
    CNIDeviceInfoFile: z.string().optional(),
    /** Read by the shim only: the daemon's CNI socket. */
    daemonSocket: z.string().startsWith('/', 'an absolute path').max(107).optional(),
    vpp: z.strictObject({ apiSocket: z.string().startsWith('/', 'an absolute path') }).optional(),
    /** The backends' own per-network sections, validated by the backend's schema. */
    ovs: ovsNetworkConfigSchema.optional(),
    sriov: sriovNetworkConfigSchema.optional(),
    'cni.dev/valid-attachments': z.array(attachmentKeySchema).optional(),
  })
  .refine((conf) => conf.bridge === undefined || conf.xconnect === undefined, {
    message: 'bridge and xconnect are mutually exclusive',
    path: ['xconnect'],
  });

export type Netconf = z.output<typeof netconfSchema>;
export type NetconfInput = z.input<typeof netconfSchema>;

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function fieldName(path: PropertyKey[]): string {
  return path.map(String).join('.') || '(config)';
}

/** Parses the JSON text; returns the raw object too (IPAM gets the bytes as received). */
export function parseJson(stdin: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdin);
  } catch (err) {
    throw new CniError(CniCode.DECODE_FAILURE, `network configuration is not valid JSON: ${String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CniError(CniCode.DECODE_FAILURE, 'network configuration is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Validates a parsed config: the first problem becomes error 7 naming the field and its value. */
export function validateNetconf(raw: Record<string, unknown>): Netconf {
  const parsed = netconfSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // An unknown key inside a section is named itself, not its parent object.
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [...(issue?.path ?? []), ...(unknownKey === undefined ? [] : [unknownKey])];
  const value = valueAt(raw, path);
  const shown =
    unknownKey !== undefined
      ? 'unknown key'
      : value === undefined
        ? 'missing'
        : `${JSON.stringify(value)} is invalid`;
  throw invalidConfig(fieldName(path), `${shown}: ${issue?.message ?? 'invalid'}`);
}
