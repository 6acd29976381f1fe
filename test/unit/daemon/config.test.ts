// The daemon config: embedded defaults, file < env < flags, hugepage fallback, errors naming the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, parseCpuList } from '../../../src/config.js';
import { PktbridgeError } from '../../../src/errors.js';

const noEnv = {};

describe('config', () => {
  it('uses /run/pktbridge and /var/lib/pktbridge as root, with the CNI shim default socket', () => {
    const config = defaultConfig(true);
    expect(config.cniSocket).toBe('/run/pktbridge/cni.sock');
    expect(config.socketRoot).toBe('/run/pktbridge/sockets');
    expect(config.stateDir).toBe('/var/lib/pktbridge');
  });

  it('uses a local .run folder when not root', () => {
    const config = defaultConfig(false, '/home/me/pktbridge');
    expect(config.apiSocket).toBe('/home/me/pktbridge/.run/api.sock');
    expect(config.stateDir).toBe('/home/me/pktbridge/.run/state');
  });

  it('lets env override the file and flags override env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbcfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ apiSocket: '/file/api.sock', filePrefix: 'fromfile', lcores: [0] }));
    const { config } = loadConfig({
      file,
      env: { PKTBRIDGE_API_SOCKET: '/env/api.sock', PKTBRIDGE_LCORES: '2-3' },
      flags: { apiSocket: '/flag/api.sock' },
      freeHugepages: () => 10,
    });
    expect(config.apiSocket).toBe('/flag/api.sock');
    expect(config.lcores).toEqual([2, 3]);
    expect(config.filePrefix).toBe('fromfile');
  });

  it('merges backend sections key by key', () => {
    const { config } = loadConfig({
      env: noEnv,
      flags: { ovs: { bridge: 'br-lab' } as never },
      freeHugepages: () => 1,
    });
    expect(config.ovs).toEqual({ db: 'unix:/var/run/openvswitch/db.sock', bridge: 'br-lab' });
  });

  it('falls back to --no-huge with a warning when no hugepages are free', () => {
    const { config, warnings } = loadConfig({ env: noEnv, freeHugepages: () => 0 });
    expect(config.noHuge).toBe(true);
    expect(warnings.join()).toMatch(/no free hugepages/);
  });

  it('keeps hugepages when some are free', () => {
    const { config, warnings } = loadConfig({ env: noEnv, freeHugepages: () => 128 });
    expect(config.noHuge).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('names the bad field', () => {
    const bad = () => loadConfig({ env: noEnv, flags: { metrics: '0.0.0.0:9464' }, freeHugepages: () => 1 });
    expect(bad).toThrow(PktbridgeError);
    expect(bad).toThrow(/^metrics: /);
  });

  it('rejects unknown keys in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbcfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ apiSockett: '/x' }));
    expect(() => loadConfig({ file, env: noEnv })).toThrow(/config: .*apiSockett|apiSockett/);
  });

  it('parses CPU lists and rejects garbage', () => {
    expect(parseCpuList('1')).toEqual([1]);
    expect(parseCpuList('1,3,5-6')).toEqual([1, 3, 5, 6]);
    expect(() => parseCpuList('a')).toThrow(/lcores/);
    expect(() => parseCpuList('3-1')).toThrow(/reversed/);
  });
});
