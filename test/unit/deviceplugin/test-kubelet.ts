// A test kubelet: the Registration service on <dir>/kubelet.sock (same .proto as the plugin), records
// Register calls, dials plugins back like kubelet does, and "restarts" by wiping the plugin sockets.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  devicePluginApi,
  type AllocateResponse,
  type DevicePluginOptionsMessage,
  type ListAndWatchResponse,
  type RegisterRequest,
} from '../../../src/deviceplugin/proto.js';

export class TestKubelet {
  readonly registrations: RegisterRequest[] = [];
  private server: grpc.Server | undefined;
  private waiters: (() => void)[] = [];

  constructor(readonly dir: string) {}

  async start(): Promise<void> {
    const server = new grpc.Server();
    server.addService(devicePluginApi().Registration.service, {
      Register: (
        call: grpc.ServerUnaryCall<RegisterRequest, object>,
        callback: grpc.sendUnaryData<object>,
      ) => {
        this.registrations.push(call.request);
        callback(null, {});
        for (const wake of this.waiters.splice(0)) wake();
      },
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(
        `unix:${join(this.dir, 'kubelet.sock')}`,
        grpc.ServerCredentials.createInsecure(),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    this.server = server;
  }

  /** Stops serving and removes every socket in the directory, as a restarting kubelet does. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith('.sock')) rmSync(join(this.dir, name), { force: true });
    }
  }

  async waitForRegistrations(count: number, timeoutMs = 10_000): Promise<RegisterRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.registrations.length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.registrations.length} of ${count} registrations`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.registrations;
  }

  private plugin(endpoint: string): grpc.Client & Record<string, (...args: unknown[]) => unknown> {
    const { DevicePlugin } = devicePluginApi();
    return new DevicePlugin(
      `unix:${join(this.dir, endpoint)}`,
      grpc.credentials.createInsecure(),
    ) as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  }

  /** The first ListAndWatch message of a plugin. */
  async listDevices(endpoint: string): Promise<ListAndWatchResponse> {
    const client = this.plugin(endpoint);
    try {
      return await new Promise((resolve, reject) => {
        const listAndWatch = client.ListAndWatch as (request: object) => unknown;
        const stream = listAndWatch.call(client, {}) as grpc.ClientReadableStream<ListAndWatchResponse>;
        stream.once('data', (message: ListAndWatchResponse) => {
          resolve(message);
          stream.cancel();
        });
        stream.once('error', (err: grpc.ServiceError) => {
          if (err.code !== grpc.status.CANCELLED) reject(err);
        });
      });
    } finally {
      client.close();
    }
  }

  async allocate(endpoint: string, containers: string[][]): Promise<AllocateResponse> {
    return this.unary(endpoint, 'Allocate', {
      container_requests: containers.map((ids) => ({ devices_ids: ids })),
    });
  }

  async options(endpoint: string): Promise<DevicePluginOptionsMessage> {
    return this.unary(endpoint, 'GetDevicePluginOptions', {});
  }

  private async unary<T>(endpoint: string, method: string, request: object): Promise<T> {
    const client = this.plugin(endpoint);
    try {
      return await new Promise<T>((resolve, reject) => {
        const fn = client[method] as (
          request: object,
          callback: (err: grpc.ServiceError | null, response: T) => void,
        ) => void;
        fn.call(client, request, (err, response) => (err ? reject(err) : resolve(response)));
      });
    } finally {
      client.close();
    }
  }
}
