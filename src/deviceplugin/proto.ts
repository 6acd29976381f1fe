// Loads proto/deviceplugin.proto (kubelet Device Plugin API v1beta1) and types the messages used.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const API_VERSION = 'v1beta1';
export const KUBELET_SOCKET_NAME = 'kubelet.sock';
export const DEFAULT_KUBELET_DIR = '/var/lib/kubelet/device-plugins';

export type Empty = Record<string, never>;
export interface DevicePluginOptionsMessage {
  pre_start_required: boolean;
  get_preferred_allocation_available: boolean;
}
export interface RegisterRequest {
  version: string;
  endpoint: string;
  resource_name: string;
  options?: DevicePluginOptionsMessage;
}
export interface Device {
  ID: string;
  health: 'Healthy' | 'Unhealthy';
}
export interface ListAndWatchResponse {
  devices: Device[];
}
export interface ContainerAllocateRequest {
  devices_ids: string[];
}
export interface AllocateRequest {
  container_requests: ContainerAllocateRequest[];
}
export interface Mount {
  container_path: string;
  host_path: string;
  read_only: boolean;
}
export interface ContainerAllocateResponse {
  envs: Record<string, string>;
  mounts: Mount[];
  devices: unknown[];
  annotations: Record<string, string>;
}
export interface AllocateResponse {
  container_responses: ContainerAllocateResponse[];
}
export interface PreferredAllocationRequest {
  container_requests: {
    available_deviceIDs: string[];
    must_include_deviceIDs: string[];
    allocation_size: number;
  }[];
}
export interface PreferredAllocationResponse {
  container_responses: { deviceIDs: string[] }[];
}

/** The .proto sits at the repo root; from src/ (tsx) or dist/src/ (built) it is two or three levels up. */
function protoFile(): string {
  for (const relative of ['../../proto/deviceplugin.proto', '../../../proto/deviceplugin.proto']) {
    const file = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new Error('proto/deviceplugin.proto not found next to the package');
}

interface V1beta1Package {
  Registration: grpc.ServiceClientConstructor;
  DevicePlugin: grpc.ServiceClientConstructor;
}

let loaded: V1beta1Package | undefined;

export function devicePluginApi(): V1beta1Package {
  loaded ??= (() => {
    const definition = protoLoader.loadSync(protoFile(), {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    return grpc.loadPackageDefinition(definition).v1beta1 as unknown as V1beta1Package;
  })();
  return loaded;
}
