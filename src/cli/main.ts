// The `pktbridge` command line: global options, one command group per file, usage errors → exit 2.
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../version.js';
import { attachCommands } from './attach-commands.js';
import { benchCommand } from './bench-command.js';
import { bridgeCommand, xconnectCommand } from './connect-commands.js';
import { EXIT } from './context.js';
import { daemonCommand } from './daemon-command.js';
import { podArgsCommand } from './pod-args-command.js';
import { portCommands } from './port-commands.js';
import { statsCommand } from './stats-command.js';
import { statusCommands } from './status-commands.js';

export function buildProgram(): Command {
  const program = new Command('pktbridge')
    .description('userspace packet-path bridge for Kubernetes: daemon and client')
    .version(packageVersion())
    .option('--api-socket <path>', 'daemon API socket (also PKTBRIDGE_API_SOCKET)')
    .exitOverride((err: CommanderError) => {
      process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
    });
  const commands = [
    daemonCommand(),
    ...portCommands(),
    xconnectCommand(),
    bridgeCommand(),
    statsCommand(),
    ...statusCommands(),
    ...attachCommands(),
    podArgsCommand(),
    benchCommand(),
  ];
  for (const command of commands) program.addCommand(command);
  // addCommand does not pass exitOverride down, and every usage error must exit 2.
  const inherit = (command: Command): void => {
    for (const sub of command.commands) {
      sub.exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE));
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
