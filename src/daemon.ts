// Daemon wiring only: config → state → backends → attachment service + reconcile → servers
// (gRPC API, CNI socket, kubelet device plugin, metrics).
import { mkdir } from 'node:fs/promises';
import { DaemonAttachmentService } from './attachments/attachment-service.js';
import { createPause } from './attachments/pause.js';
import { reconcile, type ReconcileReport } from './attachments/reconcile.js';
import { startApiServer, type ApiServer } from './api/server.js';
import { closeBackends, createBackends } from './backends/registry.js';
import { startCniServer } from './cni/server.js';
import type { LoadedConfig } from './config.js';
import { startDevicePlugin } from './deviceplugin/index.js';
import { EventBus } from './events.js';
import { configureLogging, type Logger } from './log.js';
import { DaemonMetrics, startMetricsServer, type MetricsServer } from './metrics.js';
import { AttachmentStore } from './state/store.js';
import { packageVersion } from './version.js';

export interface Daemon {
  readonly apiSocket: string;
  readonly reconcileReport: ReconcileReport;
  /** Stops the servers and the engine; durable state is kept for the next start. */
  close(): Promise<void>;
}

export async function startDaemon({ config, warnings }: LoadedConfig): Promise<Daemon> {
  const root = configureLogging(config.logLevel);
  const log: Logger = root.child({ component: 'daemon' });
  for (const warning of warnings) log.warn(warning);
  await mkdir(config.socketRoot, { recursive: true, mode: 0o755 });

  const { store, report: loadReport } = AttachmentStore.open(config.stateDir);
  if (loadReport.corrupt.length > 0)
    log.error({ corrupt: loadReport.corrupt }, 'state files moved aside as corrupt');
  if (loadReport.removedTemps.length > 0)
    log.warn({ temps: loadReport.removedTemps }, 'removed unfinished state writes');

  const backends = await createBackends(config, root.child({ component: 'backend' }));
  const closers: (() => Promise<void>)[] = [() => closeBackends(backends, log)];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) {
      await closer().catch((err: unknown) => log.error({ err }, 'shutdown step failed'));
    }
  };
  try {
    const events = new EventBus();
    const dataplane = backends.native?.dataplane;
    if (dataplane) {
      const unsubscribe = dataplane.onEvent((event) => events.publish(event));
      closers.push(async () => unsubscribe());
    }

    const metrics = new DaemonMetrics({ dataplane, entries: () => store.all() });
    const service = new DaemonAttachmentService({
      store,
      backends: backends.byName,
      socketRoot: config.socketRoot,
      log: root.child({ component: 'attachments' }),
      pause: createPause(config.testPausePoints, log),
      events,
      metrics,
    });
    const reconcileReport = await reconcile({
      service,
      store,
      backends: backends.byName,
      socketRoot: config.socketRoot,
      log: root.child({ component: 'reconcile' }),
      events,
    });

    const api: ApiServer = await startApiServer({
      socketPath: config.apiSocket,
      log: root.child({ component: 'api' }),
      onError: (code) => metrics.countError(code),
      context: {
        service,
        native: backends.native,
        events,
        version: packageVersion(),
        startedAt: Date.now(),
        apiSocket: config.apiSocket,
        socketRoot: config.socketRoot,
        stateDir: config.stateDir,
        noHuge: config.noHuge === true,
        socketOwnership: { uid: config.socketUid, gid: config.socketGid, dirMode: config.socketDirMode },
        reconcileReport: () => reconcileReport,
      },
    });
    closers.push(() => api.close());

    const cni = await startCniServer({
      socketPath: config.cniSocket,
      service,
      log: root.child({ component: 'cni' }),
    });
    closers.push(() => cni.close());

    if (config.deviceplugin.enabled && config.deviceplugin.resources.length > 0) {
      const devicePlugin = await startDevicePlugin({
        kubeletDir: config.deviceplugin.kubeletDir,
        socketRoot: config.socketRoot,
        resources: config.deviceplugin.resources,
        log: root.child({ component: 'deviceplugin' }),
      });
      closers.push(() => devicePlugin.close());
    }

    const metricsServer: MetricsServer | undefined = await startMetricsServer(
      config.metrics,
      metrics.registry,
    );
    if (metricsServer) closers.push(() => metricsServer.close());

    log.info(
      {
        apiSocket: config.apiSocket,
        cniSocket: config.cniSocket,
        metrics: config.metrics,
        backends: config.backends,
      },
      'ready',
    );
    return { apiSocket: config.apiSocket, reconcileReport, close };
  } catch (err) {
    await close();
    throw err;
  }
}
