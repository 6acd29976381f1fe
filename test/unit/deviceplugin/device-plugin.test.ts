import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDevicePlugin, type DevicePlugin } from '../../../src/deviceplugin/index.js';
import { TestKubelet } from './test-kubelet.js';

let dir: string;
let kubeletDir: string;
let socketRoot: string;
let kubelet: TestKubelet;
let plugin: DevicePlugin | undefined;

const resources = [
  { name: 'pktbridge.io/vhost-user', slots: 3 },
  { name: 'pktbridge.io/memif', slots: 2, envVar: 'MEMIF_DIRS' },
];

async function start(): Promise<DevicePlugin> {
  plugin = await startDevicePlugin({
    kubeletDir,
    socketRoot,
    resources,
    watchIntervalMs: 50,
    log: pino({ level: 'silent' }),
  });
  return plugin;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-dp-'));
  kubeletDir = join(dir, 'device-plugins');
  socketRoot = join(dir, 'sockets');
  mkdirSync(kubeletDir);
  kubelet = new TestKubelet(kubeletDir);
});

afterEach(async () => {
  await plugin?.close();
  plugin = undefined;
  kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('device plugin', () => {
  it('registers every resource with kubelet (v1beta1, its own endpoint)', async () => {
    await kubelet.start();
    await start();
    const registrations = await kubelet.waitForRegistrations(2);
    expect(registrations.map((r) => [r.version, r.endpoint, r.resource_name])).toEqual([
      ['v1beta1', 'pktbridge-vhost-user.sock', 'pktbridge.io/vhost-user'],
      ['v1beta1', 'pktbridge-memif.sock', 'pktbridge.io/memif'],
    ]);
    expect(await kubelet.options('pktbridge-memif.sock')).toEqual({
      pre_start_required: false,
      get_preferred_allocation_available: false,
    });
  });

  it('lists the socket slots of each resource as healthy devices', async () => {
    await kubelet.start();
    await start();
    await kubelet.waitForRegistrations(2);
    const list = await kubelet.listDevices('pktbridge-vhost-user.sock');
    expect(list.devices.map((d) => [d.ID, d.health])).toEqual([
      ['vhost-user-0', 'Healthy'],
      ['vhost-user-1', 'Healthy'],
      ['vhost-user-2', 'Healthy'],
    ]);
  });

  it('allocates by mounting the slot directories (mode 0750) at the same path and naming them in an env var', async () => {
    await kubelet.start();
    await start();
    await kubelet.waitForRegistrations(2);
    const response = await kubelet.allocate('pktbridge-vhost-user.sock', [
      ['vhost-user-1'],
      ['vhost-user-0', 'vhost-user-2'],
    ]);
    const [first, second] = response.container_responses;
    const slot1 = join(socketRoot, 'vhost-user-1');
    expect(first?.mounts).toEqual([{ container_path: slot1, host_path: slot1, read_only: false }]);
    expect(first?.envs).toEqual({ PKTBRIDGE_VHOST_USER_DIRS: slot1 });
    expect(second?.envs.PKTBRIDGE_VHOST_USER_DIRS).toBe(
      `${join(socketRoot, 'vhost-user-0')},${join(socketRoot, 'vhost-user-2')}`,
    );
    expect(statSync(slot1).mode & 0o777).toBe(0o750);
    const memif = await kubelet.allocate('pktbridge-memif.sock', [['memif-1']]);
    expect(memif.container_responses[0]?.envs).toEqual({ MEMIF_DIRS: join(socketRoot, 'memif-1') });
  });

  it('refuses to allocate a device it does not advertise', async () => {
    await kubelet.start();
    await start();
    await kubelet.waitForRegistrations(2);
    await expect(kubelet.allocate('pktbridge-memif.sock', [['memif-7']])).rejects.toThrow(
      /unknown device memif-7/,
    );
  });

  it('registers again, on fresh sockets, when kubelet restarts', async () => {
    await kubelet.start();
    await start();
    await kubelet.waitForRegistrations(2);
    kubelet.stop();
    await kubelet.start();
    await kubelet.waitForRegistrations(4);
    expect(kubelet.registrations.slice(2).map((r) => r.resource_name)).toEqual([
      'pktbridge.io/vhost-user',
      'pktbridge.io/memif',
    ]);
    const list = await kubelet.listDevices('pktbridge-memif.sock');
    expect(list.devices).toHaveLength(2);
  });

  it('waits for kubelet when it is not running yet, then registers', async () => {
    await start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(kubelet.registrations).toHaveLength(0);
    await kubelet.start();
    await kubelet.waitForRegistrations(2);
  });

  it('removes its sockets on close', async () => {
    await kubelet.start();
    const started = await start();
    await kubelet.waitForRegistrations(2);
    await started.close();
    plugin = undefined;
    expect(() => statSync(join(kubeletDir, 'pktbridge-memif.sock'))).toThrow();
  });
});
