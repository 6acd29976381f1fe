// zod schemas for the engine's inputs: everything is validated here before DPDK sees it.
import { z } from 'zod';

/** Port and bridge names become part of DPDK vdev names and devargs: no commas, '=' or spaces. */
export const nameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/,
    'must be 1-32 characters of [A-Za-z0-9_-], starting alphanumeric',
  );

/** sun_path holds 108 bytes including the terminating NUL. */
export const socketPathSchema = z
  .string()
  .min(1)
  .refine((p) => Buffer.byteLength(p) <= 107, 'unix socket path longer than 107 bytes')
  .refine((p) => !/[,\s]/.test(p), 'must not contain commas or whitespace (DPDK devargs)');

const ifaceSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,15}$/, 'must be a Linux interface name (max 15 bytes)');
const queuesSchema = z.number().int().min(1).max(16);

export const engineOptionsSchema = z.object({
  workerCpus: z.array(z.number().int().min(0)).min(1).max(16),
  filePrefix: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 characters of [A-Za-z0-9_-]'),
  noHuge: z.boolean().optional(),
  memoryMb: z.number().int().min(64).max(65536).optional(),
  inMemory: z.boolean().optional(),
  singleFileSegments: z.boolean().optional(),
  hugeDir: z.string().min(1).optional(),
  logLevel: z.enum(['error', 'warning', 'notice', 'info', 'debug']).optional(),
  extraEalArgs: z.array(z.string()).optional(),
  /** mbufs in the shared pool (default 16383); every port's rings must fit in it. */
  poolMbufs: z.number().int().min(1023).max(1_048_575).optional(),
  /**
   * false lets memif PMDs own the pod-facing socket directly (no control-channel relay). That
   * reproduces DPDK 22.11's memif disconnect crash: for the stress benchmark only.
   */
  memifRelay: z.boolean().optional(),
  /** Bridge MAC entries not refreshed for this long are forgotten (default 300 s). */
  macAgeingSec: z.number().positive().optional(),
});

export const portSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('vhost-user'),
    name: nameSchema,
    socketPath: socketPathSchema,
    mode: z.enum(['server', 'client']),
    queues: queuesSchema.optional(),
  }),
  z.object({
    kind: z.literal('memif'),
    name: nameSchema,
    socketPath: socketPathSchema,
    role: z.enum(['server', 'client']),
    id: z.number().int().min(0).max(0xffffffff).optional(),
    ringSize: z
      .number()
      .int()
      .min(2)
      .max(1 << 14)
      .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
      .optional(),
    bufferSize: z.number().int().min(128).max(65535).optional(),
    secret: z
      .string()
      .regex(/^[^,=\s]{1,24}$/, 'must be 1-24 characters without commas, = or whitespace')
      .optional(),
    mode: z.enum(['ethernet', 'ip']).optional(),
    abstract: z.boolean().optional(),
    netns: z.string().min(1).optional(),
  }),
  z.object({
    kind: z.literal('af_packet'),
    name: nameSchema,
    iface: ifaceSchema,
    queues: queuesSchema.optional(),
  }),
  z.object({ kind: z.literal('af_xdp'), name: nameSchema, iface: ifaceSchema }),
  z.object({ kind: z.literal('tap'), name: nameSchema, iface: ifaceSchema.optional() }),
  z.object({
    kind: z.literal('pci'),
    name: nameSchema,
    pciAddress: z
      .string()
      .regex(
        /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7]$/,
        'must be a PCI address like 0000:03:00.0',
      ),
    queues: queuesSchema.optional(),
  }),
  z.object({ kind: z.literal('null'), name: nameSchema }),
  z.object({ kind: z.literal('ring'), name: nameSchema }),
]);

export type EngineOptionsInput = z.input<typeof engineOptionsSchema>;
export type PortSpecInput = z.infer<typeof portSpecSchema>;
