// Socket slots: the devices a resource advertises. Slot N of `pktbridge.io/vhost-user` is the directory
// <socketRoot>/vhost-user-N, which Allocate mounts into the pod and the CNI (deviceID) creates the socket in.
import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const resourceSchema = z.object({
  /** Extended resource name, e.g. pktbridge.io/vhost-user. */
  name: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9][a-z0-9_.-]*$/, 'a resource name like pktbridge.io/memif'),
  slots: z.int().min(1).max(1024),
  /** Env var set in the container: the slot directories, comma-separated. */
  envVar: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .optional(),
  dirMode: z.int().min(0).max(0o777).default(0o750),
  uid: z.int().min(0).optional(),
  gid: z.int().min(0).optional(),
});

export type ResourceConfig = z.output<typeof resourceSchema>;

/** The part after the slash: `vhost-user` for `pktbridge.io/vhost-user`; prefixes slot IDs. */
export function shortName(resource: string): string {
  return resource.slice(resource.indexOf('/') + 1);
}

export function slotIds(resource: ResourceConfig): string[] {
  return Array.from({ length: resource.slots }, (_, i) => `${shortName(resource.name)}-${i}`);
}

export function envVarName(resource: ResourceConfig): string {
  return (
    resource.envVar ??
    `PKTBRIDGE_${shortName(resource.name)
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '_')}_DIRS`
  );
}

export function slotDir(socketRoot: string, slotId: string): string {
  return join(socketRoot, slotId);
}

/** Creates the slot directory with its mode and owner (a bind mount needs the source to exist). */
export async function prepareSlotDir(dir: string, resource: ResourceConfig): Promise<void> {
  await mkdir(dir, { recursive: true, mode: resource.dirMode });
  await chmod(dir, resource.dirMode); // mkdir's mode is filtered by the umask
  if (resource.uid !== undefined || resource.gid !== undefined) {
    await chown(dir, resource.uid ?? -1, resource.gid ?? -1);
  }
}
