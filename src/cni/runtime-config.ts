// runtimeConfig as Multus and containerd send it: keys matched case-insensitively (containerd
// capitalises them), only the capabilities we use, each validated (error 7 naming the key).
import { invalidConfig } from './errors.js';
import type { Netconf } from './netconf.js';

export interface RuntimeConfig {
  mac?: string;
  deviceID?: string;
  deviceInfoFile?: string;
}

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

function lookup(config: Record<string, unknown> | undefined, key: string): unknown {
  const wanted = key.toLowerCase();
  const entry = Object.entries(config ?? {}).find(([name]) => name.toLowerCase() === wanted);
  return entry?.[1];
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidConfig(field, `${JSON.stringify(value)} is not a string`);
  return value;
}

/** Reads runtimeConfig, falling back to the top-level keys Multus sets (deviceID, CNIDeviceInfoFile). */
export function readRuntimeConfig(netconf: Netconf): RuntimeConfig {
  const config = netconf.runtimeConfig;
  const mac = optionalString(lookup(config, 'mac'), 'runtimeConfig.mac');
  if (mac !== undefined && !MAC.test(mac)) {
    throw invalidConfig('runtimeConfig.mac', `"${mac}" is not a MAC address`);
  }
  const deviceID = optionalString(lookup(config, 'deviceID'), 'runtimeConfig.deviceID') ?? netconf.deviceID;
  const deviceInfoFile =
    optionalString(lookup(config, 'CNIDeviceInfoFile'), 'runtimeConfig.CNIDeviceInfoFile') ??
    optionalString(netconf.CNIDeviceInfoFile, 'CNIDeviceInfoFile');
  if (deviceInfoFile !== undefined && !deviceInfoFile.startsWith('/')) {
    throw invalidConfig('runtimeConfig.CNIDeviceInfoFile', `"${deviceInfoFile}" is not an absolute path`);
  }
  return { mac, deviceID, deviceInfoFile };
}
