// One resource's DevicePlugin gRPC server on its socket in kubelet's directory: ListAndWatch streams the
// slots, Allocate mounts the slot directories and names them in an env var.
import { rm } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log.js';
import {
  devicePluginApi,
  type AllocateRequest,
  type AllocateResponse,
  type ContainerAllocateResponse,
  type DevicePluginOptionsMessage,
  type Empty,
  type ListAndWatchResponse,
  type PreferredAllocationRequest,
  type PreferredAllocationResponse,
} from './proto.js';
import { envVarName, prepareSlotDir, slotDir, slotIds, type ResourceConfig } from './slots.js';

export interface PluginServer {
  readonly socketPath: string;
  stop(): Promise<void>;
}

export const PLUGIN_OPTIONS: DevicePluginOptionsMessage = {
  pre_start_required: false,
  get_preferred_allocation_available: false,
};

function grpcError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

export async function startPluginServer(
  resource: ResourceConfig,
  socketRoot: string,
  socketPath: string,
  log: Logger,
): Promise<PluginServer> {
  const ids = slotIds(resource);
  const known = new Set(ids);
  const streams = new Set<grpc.ServerWritableStream<Empty, ListAndWatchResponse>>();

  async function allocateContainer(deviceIds: string[]): Promise<ContainerAllocateResponse> {
    const unknown = deviceIds.find((id) => !known.has(id));
    if (unknown !== undefined) throw grpcError(grpc.status.INVALID_ARGUMENT, `unknown device ${unknown}`);
    const dirs = deviceIds.map((id) => slotDir(socketRoot, id));
    for (const dir of dirs) await prepareSlotDir(dir, resource);
    return {
      envs: { [envVarName(resource)]: dirs.join(',') },
      // Same path inside the pod, so the socket path in the device-info file holds on both sides.
      mounts: dirs.map((dir) => ({ container_path: dir, host_path: dir, read_only: false })),
      devices: [],
      annotations: {},
    };
  }

  const implementation: grpc.UntypedServiceImplementation = {
    GetDevicePluginOptions(_call: unknown, callback: grpc.sendUnaryData<DevicePluginOptionsMessage>) {
      callback(null, PLUGIN_OPTIONS);
    },
    ListAndWatch(stream: grpc.ServerWritableStream<Empty, ListAndWatchResponse>) {
      streams.add(stream);
      stream.on('cancelled', () => streams.delete(stream));
      stream.write({ devices: ids.map((ID) => ({ ID, health: 'Healthy' })) });
    },
    GetPreferredAllocation(
      call: grpc.ServerUnaryCall<PreferredAllocationRequest, PreferredAllocationResponse>,
      callback: grpc.sendUnaryData<PreferredAllocationResponse>,
    ) {
      const container_responses = call.request.container_requests.map((request) => ({
        deviceIDs: request.available_deviceIDs.slice(0, request.allocation_size),
      }));
      callback(null, { container_responses });
    },
    Allocate(
      call: grpc.ServerUnaryCall<AllocateRequest, AllocateResponse>,
      callback: grpc.sendUnaryData<AllocateResponse>,
    ) {
      Promise.all(call.request.container_requests.map((request) => allocateContainer(request.devices_ids)))
        .then((container_responses) => {
          log.info({ resource: resource.name, containers: container_responses.length }, 'Allocate');
          callback(null, { container_responses });
        })
        .catch((err: unknown) =>
          callback(
            err instanceof Error && 'code' in err
              ? (err as grpc.ServiceError)
              : grpcError(grpc.status.INTERNAL, `cannot prepare slot directories: ${String(err)}`),
          ),
        );
    },
    PreStartContainer(_call: unknown, callback: grpc.sendUnaryData<Empty>) {
      callback(null, {});
    },
  };

  await rm(socketPath, { force: true });
  const server = new grpc.Server();
  server.addService(devicePluginApi().DevicePlugin.service, implementation);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return {
    socketPath,
    async stop() {
      for (const stream of streams) stream.end();
      streams.clear();
      // kubelet keeps its connection open; a graceful shutdown could wait on it forever.
      server.forceShutdown();
      await rm(socketPath, { force: true });
    },
  };
}
