// Test-only pause points: when a configured point is reached the daemon logs it and waits forever,
// so a crash test can kill -9 it at exactly that step.
import type { Logger } from '../log.js';

export type PausePoint =
  'attach:after-intent' | 'attach:after-socket-dir' | 'attach:after-backend' | 'detach:after-backend';

export type Pause = (point: PausePoint, context?: Record<string, unknown>) => Promise<void>;

export function createPause(points: readonly string[], log: Logger): Pause {
  if (points.length === 0) return async () => {};
  log.warn({ pausePoints: points }, 'test pause points are enabled: this daemon will hang at them');
  return async (point, context) => {
    if (!points.includes(point)) return;
    log.warn({ pausePoint: point, ...context }, 'pause point reached');
    await new Promise<never>(() => {});
  };
}
