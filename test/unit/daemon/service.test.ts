// The attachment service against a recording backend: durable records, rollback, idempotent DEL,
// same-pod serialisation, GC, and the start-up reconcile.
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DaemonAttachmentService } from '../../../src/attachments/attachment-service.js';
import { attachmentId, shortId } from '../../../src/attachments/ids.js';
import { createPause } from '../../../src/attachments/pause.js';
import { reconcile } from '../../../src/attachments/reconcile.js';
import type { AttachRequest } from '../../../src/attachments/service.js';
import { Rollback, withRollback } from '../../../src/backends/backend.js';
import { AttachmentStore } from '../../../src/state/store.js';
import { RecordingBackend, sampleEntry } from './fixtures.js';

const log = pino({ level: 'silent' });

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'pbsvc-'));
  const socketRoot = join(dir, 'sockets');
  const stateDir = join(dir, 'state');
  const backend = new RecordingBackend();
  const { store } = AttachmentStore.open(stateDir);
  const backends = new Map([['native' as const, backend]]);
  const service = new DaemonAttachmentService({
    store,
    backends,
    socketRoot,
    log,
    pause: createPause([], log),
  });
  return { dir, socketRoot, stateDir, backend, store, service, backends };
}

function request(containerId: string, ifname = 'net1'): AttachRequest {
  return {
    containerId,
    ifname,
    network: 'n1',
    backend: 'native',
    iface: { type: 'vhost-user', mode: 'server', queues: 1 },
    socketOwnership: { dirMode: 0o750 },
    connect: { kind: 'bridge', bridge: 'n1' },
    backendConfig: {},
  };
}

describe('withRollback', () => {
  it('undoes the earlier steps in reverse order when a later step fails', async () => {
    const undone: string[] = [];
    const attempt = withRollback(async (rollback: Rollback) => {
      rollback.add('step 1', () => void undone.push('1'));
      rollback.add('step 2', () => void undone.push('2'));
      throw new Error('step 3 failed');
    });
    await expect(attempt).rejects.toThrow('step 3 failed');
    expect(undone).toEqual(['2', '1']);
  });

  it('keeps undoing after an undo fails and reports the failure', async () => {
    const undone: string[] = [];
    const failures: string[] = [];
    const attempt = withRollback(
      async (rollback) => {
        rollback.add('step 1', () => void undone.push('1'));
        rollback.add('step 2', () => {
          throw new Error('cannot undo 2');
        });
        throw new Error('step 3 failed');
      },
      (failure) => failures.push(failure.what),
    );
    await expect(attempt).rejects.toThrow('step 3 failed');
    expect(undone).toEqual(['1']);
    expect(failures).toEqual(['step 2']);
  });
});

describe('attachment service', () => {
  it('writes the record before resolving and makes a 0750 socket directory', async () => {
    const { service, stateDir, socketRoot } = setup();
    const record = await service.attach(request('pod-a'));
    const id = attachmentId('pod-a', 'net1');
    expect(record.spec.socketPath).toBe(join(socketRoot, shortId(id), 'net1.sock'));
    expect(AttachmentStore.open(stateDir).store.get(id)?.phase).toBe('attached');
    expect(statSync(join(socketRoot, shortId(id))).mode & 0o777).toBe(0o750);
  });

  it('refuses a second ADD of the same container and ifname', async () => {
    const { service } = setup();
    await service.attach(request('pod-a'));
    await expect(service.attach(request('pod-a'))).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('leaves nothing behind when the backend fails', async () => {
    const { service, backend, stateDir, socketRoot } = setup();
    backend.failAttach = true;
    await expect(service.attach(request('pod-a'))).rejects.toThrow('second step failed');
    expect(AttachmentStore.open(stateDir).store.all()).toEqual([]);
    expect(existsSync(join(socketRoot, shortId(attachmentId('pod-a', 'net1'))))).toBe(false);
    expect(backend.objects.size).toBe(0);
  });

  it('detaches idempotently and removes the socket directory', async () => {
    const { service, socketRoot, backend } = setup();
    await service.attach(request('pod-a'));
    expect((await service.detach({ containerId: 'pod-a', ifname: 'net1' }))?.spec.containerId).toBe('pod-a');
    expect(await service.detach({ containerId: 'pod-a', ifname: 'net1' })).toBeUndefined();
    expect(existsSync(join(socketRoot, shortId(attachmentId('pod-a', 'net1'))))).toBe(false);
    expect(backend.objects.size).toBe(0);
  });

  it('serialises the same pod: a racing ADD and DEL end consistently', async () => {
    const { service, backend, store } = setup();
    backend.attachDelayMs = 20;
    const [added, removed] = await Promise.all([
      service.attach(request('pod-a')),
      service.detach({ containerId: 'pod-a', ifname: 'net1' }),
    ]);
    expect(added.spec.containerId).toBe('pod-a');
    expect(removed?.spec.id).toBe(added.spec.id);
    expect(store.all()).toEqual([]);
    expect(backend.objects.size).toBe(0);
  });

  it('runs different pods in parallel', async () => {
    const { service, backend } = setup();
    backend.attachDelayMs = 50;
    const started = Date.now();
    await Promise.all(['a', 'b', 'c', 'd'].map((pod) => service.attach(request(pod))));
    expect(Date.now() - started).toBeLessThan(180);
  });

  it('GC detaches the records of one network that are not in the valid list', async () => {
    const { service } = setup();
    await service.attach(request('keep'));
    await service.attach(request('drop'));
    await service.attach({ ...request('other'), network: 'n2' });
    const removed = await service.gc([{ containerId: 'keep', ifname: 'net1' }], 'n1');
    expect(removed.map((r) => r.spec.containerId)).toEqual(['drop']);
    expect(
      service
        .list()
        .map((r) => r.spec.containerId)
        .sort(),
    ).toEqual(['keep', 'other']);
  });

  it('check finds a record whose backend objects are gone', async () => {
    const { service, backend } = setup();
    const record = await service.attach(request('pod-a'));
    backend.objects.clear();
    await expect(service.check({ containerId: 'pod-a', ifname: 'net1' })).rejects.toThrow(
      `pb${record.spec.id}`,
    );
    await expect(service.check({ containerId: 'nope', ifname: 'net1' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('reconcile', () => {
  it('undoes an interrupted attach, restores lost objects, keeps intact ones and removes orphans', async () => {
    const { service, backend, store, socketRoot, backends } = setup();
    const intact = await service.attach(request('intact'));
    const lost = await service.attach(request('lost'));
    backend.objects.delete(`pb${lost.spec.id}`);
    const halfId = attachmentId('half', 'net1');
    await store.put({
      ...sampleEntry(halfId, 'attaching'),
      spec: { ...sampleEntry(halfId).spec, containerId: 'half' },
    });
    backend.objects.set('pbstray', {
      backend: 'native',
      kind: 'port',
      ref: 'pbstray',
      attachmentId: 'ffffffffffffffff',
    });

    const report = await reconcile({ service, store, backends, socketRoot, log });
    expect(report.intact).toEqual([intact.spec.id]);
    expect(report.restored).toEqual([lost.spec.id]);
    expect(report.rolledBack).toEqual([halfId]);
    expect(report.orphansRemoved).toEqual([expect.objectContaining({ ref: 'pbstray' })]);
    expect(
      store
        .all()
        .map((e) => e.spec.containerId)
        .sort(),
    ).toEqual(['intact', 'lost']);
    expect([...backend.objects.keys()].sort()).toEqual([`pb${intact.spec.id}`, `pb${lost.spec.id}`].sort());
  });

  it('reports what it could not restore and keeps the record for DEL', async () => {
    const { service, backend, store, socketRoot, backends } = setup();
    const lost = await service.attach(request('lost'));
    backend.objects.clear();
    backend.failRestore = true;
    const report = await reconcile({ service, store, backends, socketRoot, log });
    expect(report.unrestored).toEqual([{ id: lost.spec.id, backend: 'native', reason: 'peer is gone' }]);
    expect(service.list()).toHaveLength(1);
  });
});
