// Records booting machines and their boot timeline: facts are batched into the store, events go to the event log.
import type { Logger } from '../log/logger.js';
import type { EventBus } from '../live/event-bus.js';
import type { BootEventLog, BootStage } from '../store/boot-events.js';
import type { Store } from '../store/store.js';
import { mergeMachine, type MachineFacts } from './machine-facts.js';

export interface Recorder {
  /** Notes facts about a machine; written to the store within flushMs, many machines in one write. */
  seen(facts: MachineFacts): void;
  event(mac: string, stage: BootStage, detail: string, fields?: Readonly<Record<string, string | number | boolean>>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createRecorder(options: { store: Store; events: BootEventLog; log: Logger; bus?: EventBus; flushMs?: number; now?: () => Date }): Recorder {
  const { store, events, log } = options;
  const now = options.now ?? (() => new Date());
  const pending = new Map<string, MachineFacts>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending.size === 0) return flushing;
    const batch = [...pending.values()];
    pending.clear();
    const at = now().toISOString();
    flushing = flushing
      .then(() =>
        store.update((draft) => {
          for (const facts of batch) {
            const i = draft.machines.findIndex((m) => m.mac === facts.mac);
            const merged = mergeMachine(i < 0 ? undefined : draft.machines[i], facts, at);
            if (i < 0) draft.machines.push(merged);
            else draft.machines[i] = merged;
          }
        }),
      )
      .catch((error: unknown) => log.error('could not record machines', { error, count: batch.length }));
    return flushing;
  };

  return {
    seen(facts) {
      pending.set(facts.mac, { ...pending.get(facts.mac), ...stripUndefined(facts) });
      timer ??= setTimeout(() => void flush(), options.flushMs ?? 500);
    },
    event(mac, stage, detail, fields) {
      const event = { time: now().toISOString(), mac, stage, detail, ...(fields === undefined ? {} : { fields }) };
      events.append(event);
      options.bus?.publish(event);
    },
    flush,
    async close() {
      await flush();
    },
  };
}

function stripUndefined(facts: MachineFacts): MachineFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as unknown as MachineFacts;
}
