// Register with kubelet: one Register call per resource, over kubelet.sock, bounded in time.
import * as grpc from '@grpc/grpc-js';
import {
  API_VERSION,
  devicePluginApi,
  type DevicePluginOptionsMessage,
  type RegisterRequest,
} from './proto.js';

export async function registerWithKubelet(
  kubeletSocket: string,
  request: { endpoint: string; resourceName: string; options: DevicePluginOptionsMessage },
  timeoutMs = 5_000,
): Promise<void> {
  const { Registration } = devicePluginApi();
  const client = new Registration(`unix:${kubeletSocket}`, grpc.credentials.createInsecure());
  const message: RegisterRequest = {
    version: API_VERSION,
    endpoint: request.endpoint,
    resource_name: request.resourceName,
    options: request.options,
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const register = client.Register as (
        request: RegisterRequest,
        options: grpc.CallOptions,
        callback: (err: grpc.ServiceError | null) => void,
      ) => void;
      register.call(client, message, { deadline: Date.now() + timeoutMs }, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  } finally {
    client.close();
  }
}
