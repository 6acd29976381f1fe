// pino logger factory: JSON to stderr, one child logger per component.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

let root: Logger | undefined;

export function configureLogging(level: LevelWithSilent = 'info'): Logger {
  root = pino({ level, base: { pid: process.pid } }, pino.destination(2));
  return root;
}

export function logger(component: string): Logger {
  root ??= configureLogging((process.env.PKTBRIDGE_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info');
  return root.child({ component });
}
