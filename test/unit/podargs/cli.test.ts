// `pktbridge pod-args` as a VNF's container runs it: reads the downward-API annotations file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../helpers/process.js';

const repo = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'pb-podargs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const podArgs = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'pod-args', ...args], {
    cwd: repo,
  });

const status = [
  {
    name: 'default/dp-a',
    interface: 'net1',
    ips: ['198.18.0.2/24'],
    'device-info': {
      type: 'memif',
      version: '1.1.0',
      memif: { role: 'client', mode: 'ethernet', path: '/s/a/net1.sock' },
    },
  },
];

describe('pktbridge pod-args', () => {
  it('prints EAL arguments from the annotations file', async () => {
    const file = join(dir, 'annotations');
    writeFileSync(file, `k8s.v1.cni.cncf.io/network-status=${JSON.stringify(JSON.stringify(status))}\n`);
    const result = await podArgs(['--annotations', file]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      '--vdev net_memif0,role=client,socket-abstract=no,socket=/s/a/net1.sock --no-pci',
    );
  });

  it('gives the interfaces with their IPs as JSON', async () => {
    const result = await podArgs(['--network-status', JSON.stringify(status), '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { interfaces: { ips: string[]; socketPath: string }[] };
    expect(parsed.interfaces).toMatchObject([{ ips: ['198.18.0.2/24'], socketPath: '/s/a/net1.sock' }]);
  });

  it('exits 4 with a hint when the annotations are not mounted', async () => {
    const result = await podArgs(['--annotations', join(dir, 'missing')]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('downward API');
  });

  it('exits 2 on a malformed annotation', async () => {
    const result = await podArgs(['--network-status', '{"not": "a list"}']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('network-status');
  });
});
