// Domain values → API messages (proto field names, as the loader is configured with keepCase).
import type { WorkerStats } from '../../native-dpdk/index.js';
import type { ReconcileReport } from '../attachments/reconcile.js';
import type { AttachmentRecord, BackendStatus, ConnectSpec } from '../backends/backend.js';
import type { DataplaneBridge, DataplanePort, NamedPortStats } from '../backends/native/dataplane.js';
import type { DaemonEvent } from '../events.js';

export function connectText(connect: ConnectSpec): string {
  if (connect.kind === 'bridge') return `bridge:${connect.bridge}`;
  if (connect.kind === 'xconnect') return `xconnect:${connect.peer}`;
  return 'none';
}

export function attachmentMessage(record: AttachmentRecord) {
  const { spec, result } = record;
  return {
    id: spec.id,
    container_id: spec.containerId,
    ifname: spec.ifname,
    backend: record.backend,
    network: spec.network,
    interface_type: spec.iface.type,
    socket_path: result.socketPath ?? spec.socketPath ?? '',
    pci_id: result.pciId ?? '',
    mac: result.mac ?? '',
    created_at: record.createdAt,
    connect: connectText(spec.connect),
    device_info_json: JSON.stringify(result.deviceInfo),
    objects: result.objects.map((o) => ({ backend: o.backend, kind: o.kind, ref: o.ref })),
  };
}

export function portMessage(port: DataplanePort) {
  return {
    name: port.name,
    kind: port.kind,
    port_id: port.portId,
    mac: port.mac,
    link_up: port.linkUp,
    socket_path: port.socketPath ?? '',
    owner: port.owner.kind === 'api' ? 'api' : port.owner.attachmentId,
    bridge: port.bridge ?? '',
    peer: port.peer ?? '',
  };
}

export function bridgeMessage(bridge: DataplaneBridge) {
  return { name: bridge.name, ports: bridge.ports, implicit: bridge.implicit };
}

export function portStatsMessage(stats: NamedPortStats) {
  return {
    name: stats.name,
    rx_packets: stats.rxPackets,
    tx_packets: stats.txPackets,
    rx_bytes: stats.rxBytes,
    tx_bytes: stats.txBytes,
    rx_dropped: stats.rxDropped,
    tx_dropped: stats.txDropped,
    rx_errors: stats.rxErrors,
    tx_errors: stats.txErrors,
  };
}

export function workerMessage(worker: WorkerStats) {
  return {
    lcore: worker.lcore,
    cpu: worker.cpu,
    polls: worker.polls,
    busy_polls: worker.busyPolls,
    packets: worker.packets,
  };
}

export function backendStatusMessages(statuses: Partial<Record<string, BackendStatus>>) {
  return Object.entries(statuses).map(([name, status]) => ({
    name,
    ready: status?.ready ?? false,
    message: status?.message ?? '',
  }));
}

export function reconcileMessage(report: ReconcileReport | undefined) {
  if (!report) return undefined;
  return {
    rolled_back: report.rolledBack.length,
    completed_detaches: report.completedDetaches.length,
    restored: report.restored.length,
    intact: report.intact.length,
    unrestored: report.unrestored.map((u) => `${u.id}: ${u.reason}`),
    orphans_removed: report.orphansRemoved.length,
  };
}

export function eventMessage(event: DaemonEvent) {
  return {
    type: event.type,
    port: event.port ?? '',
    attachment_id: event.attachmentId ?? '',
    message: event.message ?? '',
    at: event.at,
  };
}
