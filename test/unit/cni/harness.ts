// Unit-test harness for CNI calls: a temp dir with a socket root, a host-local data dir and a
// CNI_PATH (Debian's reference plugins plus scripted fakes), the fake service, and a call helper.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { handleCniCall } from '../../../src/cni/dispatch.js';
import { FakeAttachmentService } from './fake-attachment-service.js';

export const REFERENCE_PLUGINS = '/usr/lib/cni';

export interface CniOutcome {
  exitCode: number;
  stdout: string;
  json: Record<string, unknown> | undefined;
}

export class CniHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'pb-cni-unit-'));
  readonly socketRoot = join(this.dir, 'sockets');
  readonly ipamDataDir = join(this.dir, 'ipam');
  readonly fakePluginDir = join(this.dir, 'bin');
  readonly service = new FakeAttachmentService(this.socketRoot);
  readonly log = pino({ level: 'silent' });

  constructor() {
    mkdirSync(this.fakePluginDir);
  }

  /** A scripted IPAM plugin: `body` is a /bin/sh script. */
  addFakePlugin(name: string, body: string): void {
    const file = join(this.fakePluginDir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }

  hostLocal(subnet = '10.77.0.0/24'): Record<string, unknown> {
    return { type: 'host-local', subnet, dataDir: this.ipamDataDir };
  }

  env(command: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string | undefined> = {
      CNI_COMMAND: command,
      CNI_CONTAINERID: 'c0ffee01',
      CNI_NETNS: '/var/run/netns/pod-a',
      CNI_IFNAME: 'net1',
      CNI_PATH: `${this.fakePluginDir}:${REFERENCE_PLUGINS}`,
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=pod-a',
      ...overrides,
    };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  }

  async call(
    command: string,
    conf: Record<string, unknown> | string,
    overrides: Record<string, string | undefined> = {},
  ): Promise<CniOutcome> {
    const stdin = typeof conf === 'string' ? conf : JSON.stringify(conf);
    const reply = await handleCniCall(
      { env: this.env(command, overrides), stdin },
      { service: this.service, log: this.log, ipamTimeoutMs: 2_000 },
    );
    const json = reply.stdout === '' ? undefined : (JSON.parse(reply.stdout) as Record<string, unknown>);
    return { exitCode: reply.exitCode, stdout: reply.stdout, json };
  }

  /** Files left under the socket root, and host-local leases (files named by IP address). */
  leftovers(): string[] {
    const list = (dir: string): string[] => {
      try {
        return readdirSync(dir, { recursive: true }).map((name) => join(dir, String(name)));
      } catch {
        return [];
      }
    };
    const isLease = (file: string): boolean => /^[0-9a-f.:]+$/.test(file.slice(file.lastIndexOf('/') + 1));
    return [...list(this.socketRoot), ...list(this.ipamDataDir).filter(isLease)];
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function minimalConf(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cniVersion: '1.0.0', name: 'dp-a', type: 'vhost-cni', interface: { type: 'memif' }, ...extra };
}
