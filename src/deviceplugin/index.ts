// The kubelet device plugin of the daemon: one DevicePlugin server per configured resource, registered
// with kubelet, and registered again whenever kubelet's socket is re-created (kubelet restarted).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { startPluginServer, PLUGIN_OPTIONS, type PluginServer } from './plugin-server.js';
import { DEFAULT_KUBELET_DIR, KUBELET_SOCKET_NAME } from './proto.js';
import { registerWithKubelet } from './registration.js';
import { resourceSchema, shortName, type ResourceConfig } from './slots.js';

export const devicePluginOptionsSchema = z.object({
  /** kubelet's device-plugins directory (holds kubelet.sock and the plugins' sockets). */
  kubeletDir: z.string().startsWith('/').default(DEFAULT_KUBELET_DIR),
  /** The daemon's socket root: slot directories are created here. */
  socketRoot: z.string().startsWith('/'),
  resources: z.array(resourceSchema).min(1),
  /** How often kubelet's socket is checked for re-creation. */
  watchIntervalMs: z.int().min(10).default(1_000),
});

export type DevicePluginOptions = z.input<typeof devicePluginOptionsSchema> & { log: Logger };

export interface DevicePlugin {
  close(): Promise<void>;
}

/** Identity of kubelet.sock: a restarted kubelet removes and re-creates it. */
async function kubeletSocketIdentity(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    return `${info.dev}:${info.ino}:${info.ctimeMs}`;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function startDevicePlugin(options: DevicePluginOptions): Promise<DevicePlugin> {
  const { log, ...rest } = options;
  const config = devicePluginOptionsSchema.parse(rest);
  const kubeletSocket = join(config.kubeletDir, KUBELET_SOCKET_NAME);
  const endpointOf = (resource: ResourceConfig): string => `pktbridge-${shortName(resource.name)}.sock`;
  let servers: PluginServer[] = [];
  let registeredWith: string | undefined;
  let closed = false;

  async function serveAndRegister(identity: string): Promise<void> {
    for (const server of servers) await server.stop();
    servers = [];
    for (const resource of config.resources) {
      const endpoint = endpointOf(resource);
      servers.push(
        await startPluginServer(resource, config.socketRoot, join(config.kubeletDir, endpoint), log),
      );
      await registerWithKubelet(kubeletSocket, {
        endpoint,
        resourceName: resource.name,
        options: PLUGIN_OPTIONS,
      });
      log.info({ resource: resource.name, endpoint, slots: resource.slots }, 'registered with kubelet');
    }
    registeredWith = identity;
  }

  async function reconcile(): Promise<void> {
    const identity = await kubeletSocketIdentity(kubeletSocket);
    if (identity === undefined) return; // kubelet not (yet) running: wait for its socket
    const ownSocketsPresent = (await Promise.all(servers.map((s) => exists(s.socketPath)))).every(Boolean);
    if (identity === registeredWith && ownSocketsPresent && servers.length > 0) return;
    try {
      await serveAndRegister(identity);
    } catch (err) {
      registeredWith = undefined;
      log.warn({ err }, 'device plugin registration failed; retrying');
    }
  }

  let running = reconcile();
  await running;
  const timer = setInterval(() => {
    running = running.then(() => (closed ? undefined : reconcile()));
  }, config.watchIntervalMs);
  timer.unref();

  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      for (const server of servers) await server.stop();
      servers = [];
    },
  };
}
