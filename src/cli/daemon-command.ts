// `pktbridge daemon …`: loads the config (file < env < flags), starts the daemon, stops on signals.
import { Command } from 'commander';
import { loadConfig, parseCpuList, type ConfigInput } from '../config.js';
import { startDaemon } from '../daemon.js';
import { PktbridgeError } from '../errors.js';
import { EXIT } from './context.js';

interface DaemonFlags {
  config?: string;
  apiSocket?: string;
  cniSocket?: string;
  socketRoot?: string;
  stateDir?: string;
  lcores?: string;
  filePrefix?: string;
  logLevel?: string;
  metrics?: string;
  backends?: string;
}

export function daemonCommand(): Command {
  return new Command('daemon')
    .description('run the pktbridge daemon (one per node)')
    .option('--config <file>', 'JSON config file (also PKTBRIDGE_CONFIG)')
    .option('--api-socket <path>', 'gRPC API socket')
    .option('--cni-socket <path>', 'socket the CNI shim calls')
    .option('--socket-root <dir>', 'root of the per-attachment socket directories')
    .option('--state-dir <dir>', 'durable attachment records')
    .option('--lcores <spec>', 'worker CPUs, e.g. 1 or 1,3')
    .option('--no-huge', 'run the engine without hugepages')
    .option('--file-prefix <p>', 'DPDK --file-prefix')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace')
    .option('--metrics <listen>', 'loopback host:port, unix:/path or off')
    .option('--backends <list>', 'comma-separated: native,vpp,ovs-dpdk,sriov-dpdk')
    .action(async (_opts, command: Command) => {
      const opts = command.optsWithGlobals<DaemonFlags>();
      const flags: Partial<ConfigInput> = {};
      if (opts.apiSocket) flags.apiSocket = opts.apiSocket;
      if (opts.cniSocket) flags.cniSocket = opts.cniSocket;
      if (opts.socketRoot) flags.socketRoot = opts.socketRoot;
      if (opts.stateDir) flags.stateDir = opts.stateDir;
      if (opts.filePrefix) flags.filePrefix = opts.filePrefix;
      if (opts.logLevel) flags.logLevel = opts.logLevel as ConfigInput['logLevel'];
      if (opts.metrics) flags.metrics = opts.metrics;
      if (opts.backends) flags.backends = opts.backends.split(',') as ConfigInput['backends'];
      try {
        if (opts.lcores) flags.lcores = parseCpuList(opts.lcores);
        // commander gives --no-huge a default of huge=true; only an explicit flag counts.
        if (command.getOptionValueSource('huge') === 'cli') flags.noHuge = true;
        const daemon = await startDaemon(loadConfig({ file: opts.config, flags }));
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          process.stderr.write(`pktbridge: ${signal}: stopping\n`);
          daemon.close().then(
            () => process.exit(EXIT.OK),
            () => process.exit(EXIT.FAILURE),
          );
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
      } catch (err) {
        const code = err instanceof PktbridgeError ? err.code : 'INTERNAL';
        process.stderr.write(`pktbridge daemon: ${code}: ${(err as Error).message}\n`);
        process.exit(code === 'INVALID_ARGUMENT' ? EXIT.USAGE : EXIT.FAILURE);
      }
    });
}
