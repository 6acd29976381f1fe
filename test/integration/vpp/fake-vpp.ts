// A capture-driven VPP stand-in: the real message table and codec, reply fields seeded from the
// captured VPP replies, and the behaviour the captures show (socket id choice, interface names,
// retvals -2/-6/-14/-73, a memif master's socket file, sw_if_index reuse). Restartable.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MessageValue } from '../../../vpp-api/codec.js';
import { Codec } from '../../../vpp-api/codec.js';
import { loadDefinitions } from '../../../vpp-api/definitions.js';
import {
  captureNames,
  framePayload,
  loadCapture,
  ScriptedVppServer,
  sharedVppDir,
  type ScriptedReplies,
  type ScriptedRequest,
} from '../../helpers/vpp-replay.js';

interface FakeInterface {
  swIfIndex: number;
  name: string;
  devType: string;
  flags: number;
  tag: string;
  mtu?: number;
  memif?: { socketId: number; id: number; role: number; mode: number };
  vhost?: { socketPath: string; isServer: boolean };
}

/** The first captured VPP frame of each message, decoded: the template for every reply of that kind. */
function capturedTemplates(): Map<string, MessageValue> {
  const codec = new Codec(loadDefinitions(path.join(sharedVppDir(), 'api')));
  const templates = new Map<string, MessageValue>();
  for (const file of captureNames()) {
    for (const frame of loadCapture(file).frames) {
      const name = frame.msg.replace(/_[0-9a-f]{8}$/, '');
      if (frame.dir === 's2c' && !templates.has(name))
        templates.set(name, codec.message(name).decode(framePayload(frame)));
    }
  }
  return templates;
}

const FIRST_CHOSEN_SOCKET_ID = 1013904223; // what VPP picked for socket_id ~0 in memif-lifecycle.json

export class FakeVpp {
  readonly templates = capturedTemplates();
  private interfaces = new Map<number, FakeInterface>();
  private sockets = new Map<number, string>([[0, '/run/vpp/memif.sock']]);
  private bridgeDomains = new Map<number, { tag: string; members: number[] }>();
  private xconnects = new Map<number, number>();
  private nextSocketId = FIRST_CHOSEN_SOCKET_ID;
  private vhostCount = 0;
  /** Requests that get no answer, as VPP drops unknown ones (tests of timeouts). */
  readonly unanswered: string[] = [];

  private constructor(readonly server: ScriptedVppServer) {}

  static async start(): Promise<FakeVpp> {
    const holder: { fake?: FakeVpp } = {};
    const server = await ScriptedVppServer.start((request, reply) => holder.fake!.handle(request, reply));
    const fake = new FakeVpp(server);
    holder.fake = fake;
    fake.reset();
    return fake;
  }

  get socketPath(): string {
    return this.server.socketPath;
  }

  /** VPP state as the tests see it. */
  interfaceList(): FakeInterface[] {
    return [...this.interfaces.values()];
  }

  bridgeDomain(bdId: number): { tag: string; members: number[] } | undefined {
    return this.bridgeDomains.get(bdId);
  }

  xconnectOf(swIfIndex: number): number | undefined {
    return this.xconnects.get(swIfIndex);
  }

  memifSockets(): Map<number, string> {
    return this.sockets;
  }

  /** A fresh VPP: local0 and an uplink the tests cross-connect to. */
  private reset(): void {
    this.interfaces = new Map([
      [0, { swIfIndex: 0, name: 'local0', devType: 'local', flags: 0, tag: '' }],
      [1, { swIfIndex: 1, name: 'uplink0', devType: 'af_packet', flags: 1, tag: '' }],
    ]);
    this.sockets = new Map([[0, '/run/vpp/memif.sock']]);
    this.bridgeDomains = new Map();
    this.xconnects = new Map();
    this.nextSocketId = FIRST_CHOSEN_SOCKET_ID;
    this.vhostCount = 0;
  }

  /** Stops VPP (every connection drops), forgets all state, and starts it again. */
  async restart(): Promise<void> {
    await this.server.stop();
    this.reset();
    await this.server.restart();
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private addInterface(make: (swIfIndex: number) => FakeInterface): number {
    let swIfIndex = 1;
    while (this.interfaces.has(swIfIndex)) swIfIndex++;
    this.interfaces.set(swIfIndex, make(swIfIndex));
    return swIfIndex;
  }

  private reply(name: string, request: ScriptedRequest, fields: MessageValue): MessageValue {
    return { ...this.templates.get(name), ...fields, context: request.fields.context };
  }

  private handle(request: ScriptedRequest, io: ScriptedReplies): void {
    const f = request.fields;
    const send = (name: string, fields: MessageValue = {}): void =>
      io.send(name, this.reply(name, request, { retval: 0, ...fields }));
    const known = (swIfIndex: unknown): boolean => this.interfaces.has(swIfIndex as number);
    switch (request.name) {
      case 'control_ping':
        return send('control_ping_reply', { client_index: 0x80000001 });
      case 'show_version':
        return send('show_version_reply');
      case 'memif_socket_filename_add_del_v2': {
        if (!f.is_add) {
          this.sockets.delete(f.socket_id as number);
          return send('memif_socket_filename_add_del_v2_reply', { socket_id: f.socket_id });
        }
        const socketId = f.socket_id === 0xffffffff ? this.nextSocketId++ : (f.socket_id as number);
        this.sockets.set(socketId, f.socket_filename as string);
        return send('memif_socket_filename_add_del_v2_reply', { socket_id: socketId });
      }
      case 'memif_create_v2': {
        const filename = this.sockets.get(f.socket_id as number);
        if (filename === undefined) return send('memif_create_v2_reply', { retval: -73, sw_if_index: 0 });
        if (f.role === 0) {
          if (!existsSync(path.dirname(filename)))
            return send('memif_create_v2_reply', { retval: -14, sw_if_index: 0 });
          writeFileSync(filename, '');
        }
        const memif = {
          socketId: f.socket_id as number,
          id: f.id as number,
          role: f.role as number,
          mode: f.mode as number,
        };
        const swIfIndex = this.addInterface((i) => ({
          swIfIndex: i,
          name: `memif${memif.socketId}/${memif.id}`,
          devType: 'memif',
          flags: 0,
          tag: '',
          memif,
        }));
        return send('memif_create_v2_reply', { sw_if_index: swIfIndex });
      }
      case 'memif_delete':
      case 'delete_vhost_user_if': {
        const iface = this.interfaces.get(f.sw_if_index as number);
        if (!iface || !(request.name === 'memif_delete' ? iface.memif : iface.vhost))
          return send(`${request.name}_reply`, { retval: -2 });
        if (iface.vhost?.isServer) rmSync(iface.vhost.socketPath, { force: true });
        this.interfaces.delete(iface.swIfIndex);
        for (const bd of this.bridgeDomains.values())
          bd.members = bd.members.filter((m) => m !== iface.swIfIndex);
        return send(`${request.name}_reply`);
      }
      case 'memif_dump':
        for (const i of this.interfaces.values()) {
          if (!i.memif) continue;
          io.send(
            'memif_details',
            this.reply('memif_details', request, {
              sw_if_index: i.swIfIndex,
              id: i.memif.id,
              role: i.memif.role,
              mode: i.memif.mode,
              socket_id: i.memif.socketId,
              flags: i.flags,
              if_name: i.name,
            }),
          );
        }
        return;
      case 'create_vhost_user_if_v2': {
        const socketPath = f.sock_filename as string;
        if (f.is_server) writeFileSync(socketPath, '');
        const name = `VirtualEthernet0/0/${this.vhostCount++}`;
        const swIfIndex = this.addInterface((i) => ({
          swIfIndex: i,
          name,
          devType: 'vhost-user',
          flags: 0,
          tag: f.tag as string,
          vhost: { socketPath, isServer: f.is_server as boolean },
        }));
        return send('create_vhost_user_if_v2_reply', { sw_if_index: swIfIndex });
      }
      case 'sw_interface_set_flags':
        if (!known(f.sw_if_index)) return send('sw_interface_set_flags_reply', { retval: -2 });
        this.interfaces.get(f.sw_if_index as number)!.flags = f.flags as number;
        return send('sw_interface_set_flags_reply');
      case 'hw_interface_set_mtu':
        if (!known(f.sw_if_index)) return send('hw_interface_set_mtu_reply', { retval: -2 });
        this.interfaces.get(f.sw_if_index as number)!.mtu = f.mtu as number;
        return send('hw_interface_set_mtu_reply');
      case 'sw_interface_tag_add_del':
        if (!known(f.sw_if_index)) return send('sw_interface_tag_add_del_reply', { retval: -2 });
        this.interfaces.get(f.sw_if_index as number)!.tag = f.is_add ? (f.tag as string) : '';
        return send('sw_interface_tag_add_del_reply');
      case 'sw_interface_dump':
        for (const i of this.interfaces.values()) {
          if (f.name_filter_valid && !i.name.includes(f.name_filter as string)) continue;
          io.send(
            'sw_interface_details',
            this.reply('sw_interface_details', request, {
              sw_if_index: i.swIfIndex,
              sup_sw_if_index: i.swIfIndex,
              flags: i.flags,
              interface_name: i.name,
              interface_dev_type: i.devType,
              tag: i.tag,
            }),
          );
        }
        return;
      case 'bridge_domain_add_del_v2': {
        const bdId = f.bd_id as number;
        if (f.is_add)
          this.bridgeDomains.set(bdId, {
            tag: f.bd_tag as string,
            members: this.bridgeDomains.get(bdId)?.members ?? [],
          });
        else if (!this.bridgeDomains.delete(bdId))
          return send('bridge_domain_add_del_v2_reply', { retval: -6, bd_id: bdId });
        return send('bridge_domain_add_del_v2_reply', { bd_id: bdId });
      }
      case 'bridge_domain_dump':
        for (const [bdId, bd] of this.bridgeDomains) {
          if (f.bd_id !== 0xffffffff && f.bd_id !== bdId) continue;
          const members = bd.members.map((m) => ({ context: 0, sw_if_index: m, shg: 0 }));
          io.send(
            'bridge_domain_details',
            this.reply('bridge_domain_details', request, {
              bd_id: bdId,
              bd_tag: bd.tag,
              sw_if_details: members,
              n_sw_ifs: undefined,
            }),
          );
        }
        return;
      case 'sw_interface_set_l2_bridge': {
        const swIfIndex = f.rx_sw_if_index as number;
        const bd = this.bridgeDomains.get(f.bd_id as number);
        if (!known(swIfIndex)) return send('sw_interface_set_l2_bridge_reply', { retval: -2 });
        if (!bd) return send('sw_interface_set_l2_bridge_reply', { retval: -6 });
        bd.members = bd.members.filter((m) => m !== swIfIndex);
        if (f.enable) bd.members.push(swIfIndex);
        return send('sw_interface_set_l2_bridge_reply');
      }
      case 'sw_interface_set_l2_xconnect':
        if (!known(f.rx_sw_if_index) || !known(f.tx_sw_if_index))
          return send('sw_interface_set_l2_xconnect_reply', { retval: -2 });
        if (f.enable) this.xconnects.set(f.rx_sw_if_index as number, f.tx_sw_if_index as number);
        else this.xconnects.delete(f.rx_sw_if_index as number);
        return send('sw_interface_set_l2_xconnect_reply');
      case 'l2_xconnect_dump':
        for (const [rx, tx] of this.xconnects)
          io.send('l2_xconnect_details', { context: f.context, rx_sw_if_index: rx, tx_sw_if_index: tx });
        return;
      default:
        this.unanswered.push(request.name);
    }
  }
}
