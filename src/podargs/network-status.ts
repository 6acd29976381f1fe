// Reads the pod's Multus `network-status` annotation, as kubelet's downward API writes it
// (`key="<Go-quoted value>"` lines), into validated entries.
import { z } from 'zod';
import { PktbridgeError } from '../errors.js';

export const NETWORK_STATUS_KEY = 'k8s.v1.cni.cncf.io/network-status';

export const deviceInfoSchema = z.object({
  type: z.enum(['vhost-user', 'memif', 'pci', 'vdpa']),
  version: z.string().optional(),
  'vhost-user': z.object({ mode: z.enum(['client', 'server']), path: z.string().min(1) }).optional(),
  memif: z
    .object({
      role: z.enum(['master', 'slave', 'client', 'server']),
      mode: z.string(),
      path: z.string().min(1),
    })
    .optional(),
  pci: z.object({ 'pci-address': z.string().min(1) }).optional(),
});

const networkStatusEntrySchema = z.object({
  name: z.string(),
  interface: z.string().optional(),
  ips: z.array(z.string()).optional(),
  mac: z.string().optional(),
  default: z.boolean().optional(),
  'device-info': deviceInfoSchema.optional(),
});

export type NetworkStatusEntry = z.infer<typeof networkStatusEntrySchema>;

/** Go's strconv.Quote output is JSON but for \x, \a, \v escapes; map those before JSON.parse. */
function unquoteGoString(quoted: string): string {
  const jsonish = quoted
    .replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => `\\u00${hex}`)
    .replace(/\\a/g, '\\u0007')
    .replace(/\\v/g, '\\u000b');
  return JSON.parse(jsonish) as string;
}

/** Extracts the network-status value from a downward-API annotations file. */
export function annotationFromDownwardApi(fileText: string): string | undefined {
  for (const line of fileText.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0 || line.slice(0, eq).trim() !== NETWORK_STATUS_KEY) continue;
    return unquoteGoString(line.slice(eq + 1).trim());
  }
  return undefined;
}

export function parseNetworkStatus(json: string): NetworkStatusEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new PktbridgeError('INVALID_ARGUMENT', `network-status: not JSON: ${(err as Error).message}`);
  }
  const parsed = z.array(networkStatusEntrySchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PktbridgeError(
      'INVALID_ARGUMENT',
      `network-status: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
