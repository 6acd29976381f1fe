// The vhost-cni shim (C) and its Node fallback against the daemon's CNI server (with the fake
// service) and against broken daemons: same protocol, same replies, never a hang, JSON-only stdout.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../src/cni/protocol.js';
import { startCniServer, type CniServer } from '../../../src/cni/server.js';
import { run } from '../../helpers/process.js';
import { CniHarness, minimalConf } from './harness.js';

const repo = join(import.meta.dirname, '..', '..', '..');
let shimPath = '';

beforeAll(() => {
  shimPath = execFileSync('bash', [join(repo, 'vhost-cni', 'build.sh')])
    .toString()
    .trim();
});

const implementations: [string, () => [string, string[]]][] = [
  ['C shim', () => [shimPath, []]],
  ['Node fallback', () => ['node', ['--import', 'tsx', join(repo, 'vhost-cni', 'index.ts')]]],
];

let h: CniHarness;
let socketPath: string;
const servers: (CniServer | Server)[] = [];

beforeEach(() => {
  h = new CniHarness();
  socketPath = join(h.dir, 'cni.sock');
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if ('listen' in server) await new Promise((resolve) => server.close(resolve));
    else await server.close();
  }
  h.cleanup();
});

async function shim(
  impl: () => [string, string[]],
  command: string | undefined,
  conf: Record<string, unknown>,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number | string; stdout: string; json: Record<string, unknown>; ms: number }> {
  const [file, args] = impl();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...h.env(command ?? 'ADD'),
    ...extraEnv,
  };
  if (command === undefined) delete env.CNI_COMMAND;
  const started = Date.now();
  const out = await run(file, args, { env, cwd: repo, stdin: JSON.stringify(conf), timeoutMs: 20_000 });
  return {
    code: out.code,
    stdout: out.stdout,
    json: JSON.parse(out.stdout) as Record<string, unknown>,
    ms: Date.now() - started,
  };
}

describe.each(implementations)('%s', (_name, impl) => {
  it('forwards ADD to the daemon and prints its result with exit 0', async () => {
    servers.push(await startCniServer({ socketPath, service: h.service, log: pino({ level: 'silent' }) }));
    const out = await shim(impl, 'ADD', minimalConf({ daemonSocket: socketPath }));
    expect(out.code).toBe(0);
    expect(out.json).toMatchObject({ cniVersion: '1.0.0', interfaces: [{ name: 'net1' }] });
    expect(h.service.get({ containerId: 'c0ffee01', ifname: 'net1' })?.spec.pod?.name).toBe('pod-a');
  });

  it('waits for a daemon that takes its time (the reply follows the request half-close)', async () => {
    h.service.attachDelayMs = 300;
    servers.push(await startCniServer({ socketPath, service: h.service, log: pino({ level: 'silent' }) }));
    const out = await shim(impl, 'ADD', minimalConf({ daemonSocket: socketPath }));
    expect(out.code).toBe(0);
    expect(out.json).toMatchObject({ interfaces: [{ name: 'net1' }] });
  });

  it("prints the daemon's CNI error with exit 1", async () => {
    servers.push(await startCniServer({ socketPath, service: h.service, log: pino({ level: 'silent' }) }));
    const out = await shim(impl, 'ADD', minimalConf({ daemonSocket: socketPath, backend: 'nope' }));
    expect(out.code).toBe(1);
    expect(out.json).toMatchObject({ code: 7, msg: expect.stringContaining('backend') as unknown });
  });

  it('sends every CNI_* variable and stdin, and no other variable', async () => {
    let received: ReturnType<typeof decodeRequest>;
    const raw = createServer((socket) => {
      let buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        received = decodeRequest(buffer);
        if (received) socket.end(Buffer.from([0x50, 0x42, 0x43, 0x31, 0, 0, 0, 0, 0, 0, 0, 2, 0x7b, 0x7d]));
      });
    });
    servers.push(raw);
    await new Promise<void>((resolve) => raw.listen(socketPath, resolve));
    const conf = minimalConf({ daemonSocket: socketPath });
    const out = await shim(impl, 'DEL', conf, { SECRET_TOKEN: 'x', CNI_EXTRA: 'y' });
    expect(out).toMatchObject({ code: 0, stdout: '{}' });
    expect(received?.stdin).toBe(JSON.stringify(conf));
    expect(received?.env).toMatchObject({ CNI_COMMAND: 'DEL', CNI_IFNAME: 'net1', CNI_EXTRA: 'y' });
    expect(Object.keys(received?.env ?? {}).every((key) => key.startsWith('CNI_'))).toBe(true);
  });

  it('answers VERSION itself, in the asked version, with no daemon', async () => {
    const out = await shim(impl, 'VERSION', { cniVersion: '0.4.0', daemonSocket: socketPath });
    expect(out.code).toBe(0);
    expect(out.json).toEqual({
      cniVersion: '0.4.0',
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });

  it.each(['ADD', 'CHECK', 'DEL', 'GC'])(
    'reports %s with the daemon unreachable as error 11',
    async (command) => {
      const out = await shim(impl, command, minimalConf({ cniVersion: '0.4.0', daemonSocket: socketPath }));
      expect(out.code).toBe(1);
      expect(out.json).toMatchObject({ cniVersion: '0.4.0', code: 11 });
      expect(String(out.json.details)).toContain(socketPath);
    },
  );

  it('reports STATUS with the daemon unreachable as error 50', async () => {
    const out = await shim(impl, 'STATUS', minimalConf({ cniVersion: '1.1.0', daemonSocket: socketPath }));
    expect(out.json).toMatchObject({ cniVersion: '1.1.0', code: 50 });
  });

  it('does not hang on a daemon that accepts and never answers', async () => {
    // resume(): an unread socket never sees the client's EOF and would keep server.close() waiting.
    const silent = createServer((socket) => void socket.resume());
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
    const out = await shim(impl, 'ADD', minimalConf({ daemonSocket: socketPath }), {
      VHOST_CNI_TIMEOUT_MS: '500',
    });
    expect(out.json).toMatchObject({ code: 11 });
    expect(out.ms).toBeLessThan(5_000);
  });

  it('reports a garbled reply as error 11, keeping stdout JSON', async () => {
    const garbled = createServer((socket) => void socket.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    servers.push(garbled);
    await new Promise<void>((resolve) => garbled.listen(socketPath, resolve));
    const out = await shim(impl, 'ADD', minimalConf({ daemonSocket: socketPath }));
    expect(out.json).toMatchObject({ code: 11 });
  });

  it('reports a missing CNI_COMMAND as error 4', async () => {
    const out = await shim(impl, undefined, minimalConf({ daemonSocket: socketPath }));
    expect(out.json).toMatchObject({ code: 4 });
  });
});
