// OVSDB operations for the OVS backend: create a netdev bridge, add a vhost-user port with its
// interface, and delete a port with its interfaces, each as one atomic transaction.
import { createHash } from 'node:crypto';
import type { AttachSpec } from '../backend.js';
import type { ResolvedOvsConfig } from './config.js';
import type { Operation } from './ovsdbClient.js';
import { map, namedUuid, set, uuid } from './ovsdbDatum.js';

/** external_ids key every pktbridge-made Port and Interface carries (how list() finds ours). */
export const OWNER_KEY = 'pktbridge-owner';
export const OWNER_VALUE = 'pktbridge';
export const ATTACHMENT_KEY = 'pktbridge-attachment-id';

/** A short, stable port name per attachment (interface names beyond 15 chars trouble some tools). */
export function portNameFor(attachmentId: string): string {
  return `pb${createHash('sha256').update(attachmentId).digest('hex').slice(0, 12)}`;
}

export function externalIdsFor(spec: AttachSpec): Record<string, string> {
  return {
    [OWNER_KEY]: OWNER_VALUE,
    [ATTACHMENT_KEY]: spec.id,
    'pktbridge-container-id': spec.containerId,
    'pktbridge-ifname': spec.ifname,
    'pktbridge-network': spec.network,
  };
}

/** Like `ovs-vsctl add-br NAME -- set bridge NAME datapath_type=netdev`: bridge, local port, internal interface. */
export function createBridgeOps(bridge: string): Operation[] {
  return [
    { op: 'insert', table: 'Interface', row: { name: bridge, type: 'internal' }, 'uuid-name': 'brIface' },
    {
      op: 'insert',
      table: 'Port',
      row: { name: bridge, interfaces: namedUuid('brIface') },
      'uuid-name': 'brPort',
    },
    {
      op: 'insert',
      table: 'Bridge',
      row: { name: bridge, datapath_type: 'netdev', ports: namedUuid('brPort') },
      'uuid-name': 'bridge',
    },
    {
      op: 'mutate',
      table: 'Open_vSwitch',
      where: [],
      mutations: [['bridges', 'insert', set([namedUuid('bridge')])]],
    },
  ];
}

export interface PortPlan {
  portName: string;
  portType: ResolvedOvsConfig['portType'];
  /** For dpdkvhostuserclient: the socket the pod's app serves. */
  serverSocketPath?: string;
  tag?: number;
  trunks?: number[];
  mtu?: number;
  nRxq?: number;
  externalIds: Record<string, string>;
}

/** Adds the port and its interface to the bridge, failing the whole transaction if the bridge is gone. */
export function addPortOps(bridgeUuid: string, bridgeName: string, plan: PortPlan): Operation[] {
  const options: Record<string, string> = {};
  if (plan.serverSocketPath !== undefined) options['vhost-server-path'] = plan.serverSocketPath;
  if (plan.nRxq !== undefined) options['n_rxq'] = String(plan.nRxq);
  const iface: Record<string, unknown> = {
    name: plan.portName,
    type: plan.portType,
    options: map(options),
    external_ids: map(plan.externalIds),
  };
  if (plan.mtu !== undefined) iface['mtu_request'] = plan.mtu;
  const port: Record<string, unknown> = {
    name: plan.portName,
    interfaces: namedUuid('iface'),
    external_ids: map(plan.externalIds),
  };
  if (plan.tag !== undefined) port['tag'] = plan.tag;
  if (plan.trunks !== undefined) port['trunks'] = set(plan.trunks);
  return [
    {
      op: 'wait',
      table: 'Bridge',
      where: [['_uuid', '==', uuid(bridgeUuid)]],
      columns: ['name'],
      until: '==',
      rows: [{ name: bridgeName }],
      timeout: 0,
    },
    { op: 'insert', table: 'Interface', row: iface, 'uuid-name': 'iface' },
    { op: 'insert', table: 'Port', row: port, 'uuid-name': 'port' },
    {
      op: 'mutate',
      table: 'Bridge',
      where: [['_uuid', '==', uuid(bridgeUuid)]],
      mutations: [['ports', 'insert', set([namedUuid('port')])]],
    },
    { op: 'comment', comment: `pktbridge: add port ${plan.portName} to ${bridgeName}` },
  ];
}

/** Removes the port from whatever bridge holds it and deletes it and its interfaces. */
export function deletePortOps(portUuid: string, interfaceUuids: string[], portName: string): Operation[] {
  return [
    {
      op: 'mutate',
      table: 'Bridge',
      where: [['ports', 'includes', uuid(portUuid)]],
      mutations: [['ports', 'delete', set([uuid(portUuid)])]],
    },
    { op: 'delete', table: 'Port', where: [['_uuid', '==', uuid(portUuid)]] },
    ...interfaceUuids.map((ifaceUuid): Operation => ({
      op: 'delete',
      table: 'Interface',
      where: [['_uuid', '==', uuid(ifaceUuid)]],
    })),
    { op: 'comment', comment: `pktbridge: delete port ${portName}` },
  ];
}
