// The attachment store: durable round trip, interrupted writes, corrupt files, and per-key locks.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../src/state/locks.js';
import { AttachmentStore } from '../../../src/state/store.js';
import { sampleEntry } from './fixtures.js';

const stateDir = () => mkdtempSync(join(tmpdir(), 'pbstore-'));

describe('attachment store', () => {
  it('reads back what it wrote after a reopen', async () => {
    const dir = stateDir();
    const { store } = AttachmentStore.open(dir);
    await store.put(sampleEntry('00000000000000a1'));
    await store.put(sampleEntry('00000000000000a2', 'attaching'));
    const { store: reopened, report } = AttachmentStore.open(dir);
    expect(report.corrupt).toEqual([]);
    expect(
      reopened
        .all()
        .map((e) => [e.spec.id, e.phase])
        .sort(),
    ).toEqual([
      ['00000000000000a1', 'attached'],
      ['00000000000000a2', 'attaching'],
    ]);
  });

  it('writes one file per attachment and no temp file survives a write', async () => {
    const dir = stateDir();
    const { store } = AttachmentStore.open(dir);
    await Promise.all([1, 2, 3].map((n) => store.put(sampleEntry(`00000000000000b${n}`))));
    expect(await store.files()).toEqual([
      '00000000000000b1.json',
      '00000000000000b2.json',
      '00000000000000b3.json',
    ]);
  });

  it('keeps the previous version when a write was interrupted before its rename', async () => {
    const dir = stateDir();
    const { store } = AttachmentStore.open(dir);
    await store.put(sampleEntry('00000000000000c1', 'attaching'));
    // What a crash between write and rename leaves: a partial temp file next to the old record.
    writeFileSync(join(dir, 'attachments', '00000000000000c1.json.tmp-1-abcd'), '{"version":1,"pha');
    const { store: reopened, report } = AttachmentStore.open(dir);
    expect(report.removedTemps).toEqual(['00000000000000c1.json.tmp-1-abcd']);
    expect(reopened.get('00000000000000c1')?.phase).toBe('attaching');
    expect(readdirSync(join(dir, 'attachments'))).toEqual(['00000000000000c1.json']);
  });

  it('moves a corrupt record aside and reports it instead of failing to start', () => {
    const dir = stateDir();
    AttachmentStore.open(dir);
    writeFileSync(join(dir, 'attachments', '00000000000000d1.json'), 'not json');
    const { store, report } = AttachmentStore.open(dir);
    expect(report.corrupt.map((c) => c.file)).toEqual(['00000000000000d1.json']);
    expect(store.all()).toEqual([]);
    expect(readdirSync(join(dir, 'corrupt'))).toHaveLength(1);
  });

  it('removes an entry durably and treats a missing one as removed', async () => {
    const dir = stateDir();
    const { store } = AttachmentStore.open(dir);
    await store.put(sampleEntry('00000000000000e1'));
    await store.remove('00000000000000e1');
    await store.remove('00000000000000e1');
    expect(AttachmentStore.open(dir).store.all()).toEqual([]);
  });

  it('writes records a person can read', async () => {
    const dir = stateDir();
    const { store } = AttachmentStore.open(dir);
    await store.put(sampleEntry('00000000000000f1'));
    const text = readFileSync(join(dir, 'attachments', '00000000000000f1.json'), 'utf8');
    expect(JSON.parse(text).spec.containerId).toBe('c-00000000000000f1');
  });
});

describe('keyed locks', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('run the same key one at a time, in order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await sleep(10);
      log.push(`${name} end`);
    };
    await Promise.all([lock.run('pod', task('add')), lock.run('pod', task('del'))]);
    expect(log).toEqual(['add start', 'add end', 'del start', 'del end']);
  });

  it('let different keys run at the same time', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await sleep(10);
      log.push(`${name} end`);
    };
    await Promise.all([lock.run('pod-a', task('a')), lock.run('pod-b', task('b'))]);
    expect(log.slice(0, 2)).toEqual(['a start', 'b start']);
  });

  it('are not poisoned by a failing task and forget idle keys', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('pod', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('pod', async () => 'next')).resolves.toBe('next');
    expect(lock.busyKeys()).toEqual([]);
  });
});
