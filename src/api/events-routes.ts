// REST API v1 live events: a server-sent events stream (WHATWG HTML §9.2) of boot and power events, with heartbeats.
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EventBus } from '../live/event-bus.js';
import type { BootEvent } from '../store/boot-event.js';
import type { BootEventLog } from '../store/boot-events.js';
import { problem } from './problem.js';
import type { ApiEnv } from './guard.js';

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;

/** The most recent events of every machine, newest last, for a page that just opened. */
export function recentEvents(log: BootEventLog, limit: number): BootEvent[] {
  return log
    .macs()
    .flatMap((mac) => log.recent(mac))
    .sort((a, b) => a.time.localeCompare(b.time))
    .slice(-limit);
}

export function eventsRoutes(bus: EventBus, log: BootEventLog | null = null, heartbeatMs: number = HEARTBEAT_MS): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/events', (c) => {
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return problem(400, 'INVALID_LIMIT', 'limit: a whole number from 1 to 1000', 'limit');
    return c.json(log === null ? [] : recentEvents(log, limit));
  });
  app.get('/events/stream', (c) =>
    streamSSE(c, async (stream) => {
      const queue: BootEvent[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = bus.subscribe((event) => {
        queue.push(event);
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        await stream.writeSSE({ event: 'hello', data: JSON.stringify({ heartbeatMs }) });
        while (open) {
          const event = queue.shift();
          if (event !== undefined) {
            await stream.writeSSE({ event: event.stage === 'power' ? 'power' : 'boot', data: JSON.stringify(event) });
            continue;
          }
          const waited = await new Promise<'event' | 'idle'>((resolve) => {
            const timer = setTimeout(() => resolve('idle'), heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve('event');
            };
          });
          wake = null;
          if (waited === 'idle' && open) await stream.write(': heartbeat\n\n');
        }
      } finally {
        // Cleaned up on disconnect: the bus forgets this listener.
        unsubscribe();
      }
    }),
  );
  return app;
}
