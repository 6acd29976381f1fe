// Prometheus metrics (prom-client, a registry of our own): port and worker counters read from the
// engine at scrape time, attach/detach latency, attachments by backend and state, errors by code.
import { createServer, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttachmentMetrics } from './attachments/attachment-service.js';
import type { BackendName } from './backends/backend.js';
import type { NativeDataplane } from './backends/native/dataplane.js';
import type { AttachmentEntry } from './state/store.js';

export interface MetricsSources {
  dataplane?: NativeDataplane;
  entries: () => AttachmentEntry[];
}

const portCounters = [
  ['rx_packets', 'rxPackets', 'Packets received on the port'],
  ['tx_packets', 'txPackets', 'Packets sent on the port'],
  ['rx_bytes', 'rxBytes', 'Bytes received on the port'],
  ['tx_bytes', 'txBytes', 'Bytes sent on the port'],
  ['rx_dropped', 'rxDropped', 'Packets dropped on receive'],
  ['tx_dropped', 'txDropped', 'Packets dropped on send (ring full or peer gone)'],
] as const;

export class DaemonMetrics implements AttachmentMetrics {
  readonly registry = new Registry();
  private readonly attachSeconds: Histogram<'backend'>;
  private readonly detachSeconds: Histogram<'backend'>;
  private readonly errors: Counter<'code'>;
  private readonly lastWorkerSample = new Map<number, { polls: number; busyPolls: number }>();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'pktbridge_' });
    const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    this.attachSeconds = new Histogram({
      name: 'pktbridge_attach_duration_seconds',
      help: 'Time to create an attachment, including the durable record',
      labelNames: ['backend'],
      buckets,
      registers,
    });
    this.detachSeconds = new Histogram({
      name: 'pktbridge_detach_duration_seconds',
      help: 'Time to remove an attachment',
      labelNames: ['backend'],
      buckets,
      registers,
    });
    this.errors = new Counter({
      name: 'pktbridge_errors_total',
      help: 'Failed calls by error code',
      labelNames: ['code'],
      registers,
    });
    new Gauge({
      name: 'pktbridge_attachments',
      help: 'Attachments by backend and state',
      labelNames: ['backend', 'state'],
      registers,
      collect() {
        this.reset();
        for (const entry of sources.entries()) this.inc({ backend: entry.backend, state: entry.phase });
      },
    });
    for (const [suffix, key, help] of portCounters) {
      new Counter({
        name: `pktbridge_port_${suffix}_total`,
        help,
        labelNames: ['port'],
        registers,
        collect() {
          // Mirrors the engine's cumulative counters; ports that are gone disappear from the scrape.
          this.reset();
          for (const stats of sources.dataplane?.stats() ?? []) this.inc({ port: stats.name }, stats[key]);
        },
      });
    }
    const lastSample = this.lastWorkerSample;
    new Gauge({
      name: 'pktbridge_worker_busy_ratio',
      help: 'Share of polls that found packets since the previous scrape',
      labelNames: ['lcore', 'cpu'],
      registers,
      collect() {
        this.reset();
        for (const worker of sources.dataplane?.workers() ?? []) {
          const previous = lastSample.get(worker.lcore) ?? { polls: 0, busyPolls: 0 };
          const polls = worker.polls - previous.polls;
          const busy = worker.busyPolls - previous.busyPolls;
          lastSample.set(worker.lcore, { polls: worker.polls, busyPolls: worker.busyPolls });
          this.set({ lcore: String(worker.lcore), cpu: String(worker.cpu) }, polls > 0 ? busy / polls : 0);
        }
      },
    });
  }

  observeAttach(backend: BackendName, seconds: number): void {
    this.attachSeconds.observe({ backend }, seconds);
  }

  observeDetach(backend: BackendName, seconds: number): void {
    this.detachSeconds.observe({ backend }, seconds);
  }

  countError(code: string): void {
    this.errors.inc({ code });
  }
}

export interface MetricsServer {
  readonly address: string;
  close(): Promise<void>;
}

/** Serves /metrics on `host:port` (loopback) or `unix:/path`; `off` serves nothing. */
export async function startMetricsServer(
  listen: string,
  registry: Registry,
): Promise<MetricsServer | undefined> {
  if (listen === 'off') return undefined;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  const unixPath = listen.startsWith('unix:') ? listen.slice(5) : undefined;
  if (unixPath) await rm(unixPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (unixPath) server.listen(unixPath, resolve);
    else {
      const at = listen.lastIndexOf(':');
      server.listen(Number(listen.slice(at + 1)), listen.slice(0, at).replace(/^\[|\]$/g, ''), resolve);
    }
  });
  return {
    address: listen,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (unixPath) await rm(unixPath, { force: true });
    },
  };
}
