// Runs power actions on machines through their drivers, with a timeout, recorded as events with who asked.
//
// Wake-on-LAN reports nothing back, so a wake is confirmed by watching: the first boot request (DHCP, TFTP,
// HTTP) from that MAC within the deadline records "woke after N s"; none records "wake failed".
import type { Logger } from '../log/logger.js';
import type { EventBus } from '../live/event-bus.js';
import type { BootEventFields, BootStage } from '../store/boot-event.js';
import type { Machine } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { PowerAction, PowerDriver, PowerResult } from './driver.js';

export const POWER_ACTIONS: readonly PowerAction[] = ['on', 'off', 'cycle', 'status'];
export const DEFAULT_ACTION_TIMEOUT_MS = 20_000;
export const DEFAULT_WAKE_DEADLINE_MS = 180_000;
/** Events that show a machine is up: anything it asks while booting. */
const SIGNS_OF_LIFE: ReadonlySet<BootStage> = new Set(['dhcp', 'tftp', 'script', 'kernel', 'initrd', 'asset', 'root']);

export type DriverMade = { readonly ok: true; readonly driver: PowerDriver } | { readonly ok: false; readonly message: string };

export interface PowerServiceDeps {
  readonly store: Store;
  readonly bus: EventBus;
  /** Appends to the event log (and so to the bus). */
  readonly record: (mac: string, stage: BootStage, detail: string, fields: BootEventFields) => void;
  readonly makeDriver: (machine: Machine) => DriverMade;
  readonly log: Logger;
  readonly timeoutMs?: number;
  readonly wakeDeadlineMs?: number;
  readonly now?: () => number;
}

export type PowerOutcome =
  | { readonly kind: 'done'; readonly result: PowerResult }
  | { readonly kind: 'no-machine' }
  | { readonly kind: 'no-power'; readonly message: string }
  | { readonly kind: 'unsupported'; readonly driver: string; readonly can: readonly PowerAction[] };

export interface PowerService {
  run(mac: string, action: PowerAction, by: string): Promise<PowerOutcome>;
  /** Starts watching for `mac` to show itself after a wake sent some other way (e.g. `bramble wake MAC`). */
  watchWake(mac: string, by: string): void;
  /** Ends pending wake watches (server shutdown) without recording anything. */
  close(): void;
}

export function createPowerService(deps: PowerServiceDeps): PowerService {
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS;
  const deadlineMs = deps.wakeDeadlineMs ?? DEFAULT_WAKE_DEADLINE_MS;
  const watches = new Map<string, () => void>();

  const watchWake = (mac: string, by: string): void => {
    watches.get(mac)?.(); // a newer wake replaces the older watch
    const started = now();
    const stop = (): void => {
      unsubscribe();
      clearTimeout(timer);
      watches.delete(mac);
    };
    const unsubscribe = deps.bus.subscribe((event) => {
      if (event.mac !== mac || !SIGNS_OF_LIFE.has(event.stage)) return;
      stop();
      const seconds = Math.round((now() - started) / 100) / 10;
      deps.record(mac, 'power', `woke after ${seconds} s (first sign: ${event.stage})`, { action: 'wake', result: 'woke', wakeSeconds: seconds, by });
    });
    const timer = setTimeout(() => {
      stop();
      deps.record(mac, 'power', `wake failed: not seen within ${deadlineMs / 1000} s`, { action: 'wake', result: 'wake-failed', by });
    }, deadlineMs);
    timer.unref();
    watches.set(mac, stop);
  };

  return {
    async run(mac, action, by) {
      const machine = deps.store.read().machines.find((m) => m.mac === mac);
      if (machine === undefined) return { kind: 'no-machine' };
      if (machine.power === undefined) return { kind: 'no-power', message: `machine ${mac} has no power settings (set them with machine set or the web page)` };
      const made = deps.makeDriver(machine);
      if (!made.ok) return { kind: 'no-power', message: made.message };
      const driver = made.driver;
      if (!driver.can.has(action)) return { kind: 'unsupported', driver: driver.kind, can: POWER_ACTIONS.filter((a) => driver.can.has(a)) };
      const started = now();
      const result = await withTimeout(driver, action, timeoutMs);
      const ms = now() - started;
      const fields: Record<string, string | number | boolean> = { action, driver: driver.kind, by, ok: result.ok, ms };
      if (result.ok) {
        fields.state = result.state;
        // Status checks are asked often (the dashboard); only actions that change something go to the timeline.
        if (action !== 'status') deps.record(mac, 'power', `${action} by ${by}: ${result.detail}`, fields);
        if (action === 'on' && driver.kind === 'wol') watchWake(mac, by);
      } else {
        fields.code = result.code;
        deps.record(mac, 'power', `${action} by ${by} failed: ${result.message}`, fields);
      }
      deps.log.info('power action', { mac, action, driver: driver.kind, by, ok: result.ok, ms, ...(result.ok ? {} : { code: result.code }) });
      return { kind: 'done', result };
    },
    watchWake,
    close() {
      for (const stop of [...watches.values()]) stop();
    },
  };
}

/** After the abort, a driver gets this long to say what it had done (e.g. "switched off, but not on again"). */
const ABORT_GRACE_MS = 1000;

/** The driver gets an aborting signal; if it ignores it, the service still answers TIMEOUT soon after the deadline. */
async function withTimeout(driver: PowerDriver, action: PowerAction, ms: number): Promise<PowerResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<PowerResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      timer = setTimeout(() => resolve({ ok: false, code: 'TIMEOUT', message: `no answer within ${ms / 1000} s` }), ABORT_GRACE_MS);
    }, ms);
  });
  try {
    return await Promise.race([
      driver.run(action, controller.signal).catch((error: unknown): PowerResult => ({ ok: false, code: 'BAD_RESPONSE', message: `driver failed: ${(error as Error).message}` })),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
