// The table of bad inputs: each gets its exact CNI code, and nothing is left behind (no socket
// directory, no IPAM lease, no record, no device-info file).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CniHarness, minimalConf } from './harness.js';

let h: CniHarness;
beforeEach(() => {
  h = new CniHarness();
});
afterEach(() => h.cleanup());

interface BadInput {
  name: string;
  code: number;
  /** Builds stdin and env overrides; may add fake plugins. */
  make: (h: CniHarness) => {
    conf: Record<string, unknown> | string;
    env?: Record<string, string | undefined>;
  };
}

const withIpam = (h: CniHarness, ipam: Record<string, unknown>): Record<string, unknown> =>
  minimalConf({ ipam, runtimeConfig: { CNIDeviceInfoFile: join(h.dir, 'devinfo.json') } });

const table: BadInput[] = [
  { name: 'invalid JSON', code: 6, make: () => ({ conf: '{"cniVersion": "1.0.0", "name": ' }) },
  { name: 'missing cniVersion', code: 7, make: () => ({ conf: minimalConf({ cniVersion: undefined }) }) },
  { name: 'unsupported cniVersion', code: 1, make: () => ({ conf: minimalConf({ cniVersion: '0.2.0' }) }) },
  { name: 'unknown backend', code: 7, make: () => ({ conf: minimalConf({ backend: 'netmap' }) }) },
  {
    name: 'unknown interface type',
    code: 7,
    make: () => ({ conf: minimalConf({ interface: { type: 'tap' } }) }),
  },
  {
    name: 'missing CNI_NETNS',
    code: 4,
    make: () => ({ conf: minimalConf(), env: { CNI_NETNS: undefined } }),
  },
  { name: 'missing CNI_PATH', code: 4, make: () => ({ conf: minimalConf(), env: { CNI_PATH: undefined } }) },
  {
    name: 'missing CNI_IFNAME',
    code: 4,
    make: () => ({ conf: minimalConf(), env: { CNI_IFNAME: undefined } }),
  },
  {
    name: 'a 200-character container ID',
    code: 4,
    make: () => ({ conf: minimalConf(), env: { CNI_CONTAINERID: 'c'.repeat(200) } }),
  },
  {
    name: 'an ifname of 16 characters',
    code: 4,
    make: () => ({ conf: minimalConf(), env: { CNI_IFNAME: 'net0123456789abc' } }),
  },
  {
    name: 'a socket dir outside the allowed root',
    code: 7,
    make: (h) => ({ conf: { ...withIpam(h, h.hostLocal()), socket: { dir: '/etc/evil' } } }),
  },
  { name: 'IPAM plugin missing', code: 7, make: (h) => ({ conf: withIpam(h, { type: 'no-such-ipam' }) }) },
  {
    name: 'IPAM plugin failing with its own CNI error',
    code: 11,
    make: (h) => {
      h.addFakePlugin('flaky-ipam', `echo '{"cniVersion":"1.0.0","code":11,"msg":"pool busy"}'; exit 1`);
      return { conf: withIpam(h, { type: 'flaky-ipam' }) };
    },
  },
  {
    name: 'IPAM plugin crashing without a CNI error',
    code: 999,
    make: (h) => {
      h.addFakePlugin('crashing-ipam', 'echo segfault >&2; exit 139');
      return { conf: withIpam(h, { type: 'crashing-ipam' }) };
    },
  },
  {
    name: 'IPAM plugin printing a malformed result',
    code: 6,
    make: (h) => {
      h.addFakePlugin('garbled-ipam', `echo '{"ips": "nope"}'`);
      return { conf: withIpam(h, { type: 'garbled-ipam' }) };
    },
  },
  {
    name: 'IPAM plugin hanging past the time bound',
    code: 11,
    make: (h) => {
      h.addFakePlugin('hanging-ipam', 'exec sleep 30');
      return { conf: withIpam(h, { type: 'hanging-ipam' }) };
    },
  },
  {
    name: 'device-info file that cannot be written (after IPAM succeeded)',
    code: 5,
    make: (h) => {
      writeFileSync(join(h.dir, 'not-a-dir'), '');
      return {
        conf: minimalConf({
          ipam: h.hostLocal(),
          runtimeConfig: { CNIDeviceInfoFile: join(h.dir, 'not-a-dir', 'devinfo.json') },
        }),
      };
    },
  },
  {
    name: 'a deviceID that is not a slot name',
    code: 7,
    make: () => ({ conf: minimalConf({ deviceID: '../../etc' }) }),
  },
];

describe('ADD with bad input', () => {
  it.each(table)('$name → CNI code $code, nothing left behind', async ({ code, make }) => {
    const { conf, env } = make(h);
    const out = await h.call('ADD', conf, env);
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ code });
    expect(typeof out.json?.msg).toBe('string');
    expect(h.leftovers()).toEqual([]);
    expect(h.service.records.size).toBe(0);
    expect(existsSync(join(h.dir, 'devinfo.json'))).toBe(false);
  });
});
