// Crash safety: the daemon is killed with SIGKILL in the middle of an attach or a detach (held at a
// test pause point) and restarted. No attachment is lost, nothing half-made is left, state stays valid.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachmentMessage } from '../../../src/api/client.js';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

describe('kill -9 in the middle of an attach or detach', () => {
  let daemon: TestDaemon;
  let keep: AttachmentMessage;

  const attachRequest = (containerId: string) => ({
    container_id: containerId,
    ifname: 'net1',
    network: 'lab',
    memif: {},
  });

  /** Every record parses and names its own file; no temp file is left. */
  function expectValidState(): string[] {
    const dir = join(daemon.stateDir, 'attachments');
    const files = readdirSync(dir);
    for (const file of files) {
      expect(file).toMatch(/^[0-9a-f]{16}\.json$/);
      const entry = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        spec: { id: string };
        phase: string;
      };
      expect(`${entry.spec.id}.json`).toBe(file);
      expect(entry.phase).toBe('attached');
    }
    return files;
  }

  async function killAt(point: string, call: () => Promise<unknown>): Promise<void> {
    await daemon.process.stop();
    await daemon.restart({ testPausePoints: [point] });
    const pending = call().catch(() => undefined);
    await daemon.process.waitFor(new RegExp(`"pausePoint":"${point}"`), 20_000);
    await daemon.kill9();
    await pending;
    await daemon.restart({});
  }

  beforeAll(async () => {
    daemon = await startTestDaemon();
    keep = await daemon.client.call('CreateAttachment', attachRequest('keep'));
  });

  afterAll(async () => {
    await daemon?.cleanup();
  });

  it.each(['attach:after-intent', 'attach:after-socket-dir', 'attach:after-backend'])(
    'at %s: the interrupted attach is undone and the earlier one restored',
    async (point) => {
      await killAt(point, () => daemon.client.call('CreateAttachment', attachRequest('half')));

      const { attachments } = await daemon.client.call('ListAttachments');
      expect(attachments.map((a) => a.container_id)).toEqual(['keep']);
      const { ports } = await daemon.client.call('ListPorts');
      expect(ports.map((p) => p.name)).toEqual([`pb${keep.id}`]);
      expect(ports[0]!.bridge).toBe('lab');
      expect(readdirSync(daemon.socketRoot)).toEqual([keep.socket_path.split('/').at(-2)]);
      expect(expectValidState()).toEqual([`${keep.id}.json`]);

      const status = await daemon.client.call('Status');
      expect(status.reconcile?.unrestored).toEqual([]);
      expect(status.reconcile?.restored).toBe(1);
      expect(status.reconcile!.rolled_back).toBe(1);
    },
  );

  it('the restored attachment still works: the same pod can detach and attach again', async () => {
    const again = await daemon.client.call('CreateAttachment', attachRequest('half'));
    expect(existsSync(dirname(again.socket_path))).toBe(true);
    expect(
      (await daemon.client.call('DeleteAttachment', { container_id: 'half', ifname: 'net1' })).existed,
    ).toBe(true);
  });

  it('at detach:after-backend: the interrupted detach is finished at start', async () => {
    await killAt('detach:after-backend', () =>
      daemon.client.call('DeleteAttachment', { container_id: 'keep', ifname: 'net1' }),
    );
    expect((await daemon.client.call('ListAttachments')).attachments).toEqual([]);
    expect((await daemon.client.call('ListPorts')).ports).toEqual([]);
    expect(readdirSync(daemon.socketRoot)).toEqual([]);
    expect(expectValidState()).toEqual([]);
    expect((await daemon.client.call('Status')).reconcile?.completed_detaches).toBe(1);
  });
});
