// Kernel-facing ports: af_packet and af_xdp on a veth whose peer sits in a test netns, and tap, cross-connected
// so that two namespaces ping each other through the engine (real frames both ways).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addAddress,
  createNetns,
  createVethPair,
  ip,
  uniqueName,
  type Netns,
  type VethPair,
} from '../../helpers/netns.js';
import { startProcess } from '../../helpers/process.js';
import { nativeSkipReason, startEngine, waitUntil, type EngineFixture } from './fixture.js';

const UDP_ECHO_SERVER = `const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => s.send('pong:' + m, r.port, r.address));
s.bind(7777, '10.99.7.2', () => console.log('ready'));`;
const UDP_CLIENT = `const s = require('dgram').createSocket('udp4');
s.on('message', (m) => { console.log(String(m)); process.exit(0); });
setInterval(() => s.send('ping', 7777, '10.99.7.2'), 200);
setTimeout(() => process.exit(2), 8000);`;

const skip = nativeSkipReason();
if (skip) console.warn(`skipping kernel port tests: ${skip}`);

describe.skipIf(skip)('af_packet and tap ports', () => {
  let fx: EngineFixture;
  const namespaces: Netns[] = [];
  const veths: VethPair[] = [];

  beforeAll(async () => {
    fx = await startEngine({ noHuge: true });
  });
  afterAll(async () => {
    for (const port of fx?.engine.ports() ?? []) await fx.engine.removePort(port.name);
    await fx?.close();
    for (const veth of veths) await veth.delete();
    for (const ns of namespaces) await ns.delete();
  });

  /** A veth (in one netns) on a `kind` port, cross-connected to a tap moved into another netns. */
  async function udpEchoThroughVeth(kind: 'af_packet' | 'af_xdp', subnet: number): Promise<void> {
    const left = await createNetns();
    const right = await createNetns();
    namespaces.push(left, right);
    const veth = await createVethPair({ peerNetns: left });
    veths.push(veth);
    await addAddress(veth.peerName, `10.99.${subnet}.1/24`, left);
    // veth leaves UDP checksums to "hardware"; frames forwarded to another device must carry them.
    await left.exec('ethtool', ['-K', veth.peerName, 'tx', 'off']);

    const tapName = uniqueName('pbtap');
    const [vethPort, tapPort] = [`${kind}-veth`, `${kind}-tap`];
    await fx.engine.addPort({ kind, name: vethPort, iface: veth.hostName });
    await fx.engine.addPort({ kind: 'tap', name: tapPort, iface: tapName });
    await fx.engine.connect(vethPort, tapPort);
    // The tap PMD keeps its file descriptor; the kernel side can live in the pod's namespace.
    await ip(['link', 'set', tapName, 'netns', right.name]);
    await addAddress(tapName, `10.99.${subnet}.2/24`, right);
    await ip(['-n', right.name, 'link', 'set', tapName, 'up']);

    // No ping on this host: a UDP echo with node needs ARP and data in both directions.
    const server = startProcess(
      'ip',
      [
        'netns',
        'exec',
        right.name,
        process.execPath,
        '-e',
        UDP_ECHO_SERVER.replace('10.99.7.2', `10.99.${subnet}.2`),
      ],
      { maxLifetimeMs: 20_000 },
    );
    try {
      await server.waitFor(/ready/, 10_000);
      const reply = await left.exec(process.execPath, [
        '-e',
        UDP_CLIENT.replace('10.99.7.2', `10.99.${subnet}.2`),
      ]);
      expect(reply).toContain('pong:ping');
    } finally {
      await server.stop();
    }
    expect(fx.engine.stats(vethPort).rxPackets).toBeGreaterThanOrEqual(2);
    expect(fx.engine.stats(tapPort).rxPackets).toBeGreaterThanOrEqual(2);
  }

  it('carries a UDP echo between a veth in one netns (af_packet) and a tap moved into another', async () => {
    await udpEchoThroughVeth('af_packet', 7);
  });

  it('carries the same echo with the veth on an AF_XDP socket (af_xdp)', async () => {
    await udpEchoThroughVeth('af_xdp', 8);
  });

  it('removes the tap device from the kernel when the port is removed', async () => {
    const tapName = uniqueName('pbtap');
    await fx.engine.addPort({ kind: 'tap', name: 'tap2', iface: tapName });
    await ip(['link', 'show', tapName]);
    await fx.engine.removePort('tap2');
    await waitUntil(() => !fx.engine.ports().some((p) => p.name === 'tap2'), 'port gone');
    await expect(ip(['link', 'show', tapName])).rejects.toThrow();
  });

  it('fails cleanly for af_packet on an interface that does not exist', async () => {
    await expect(
      fx.engine.addPort({ kind: 'af_packet', name: 'nope', iface: 'pbnoexist0' }),
    ).rejects.toMatchObject({
      code: 'PROBE_FAILED',
    });
    expect(fx.engine.ports().some((p) => p.name === 'nope')).toBe(false);
  });
});
