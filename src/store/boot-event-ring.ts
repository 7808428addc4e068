// In-memory timeline of the last N boot events per MAC, bounded in machines too (least recently active forgotten first).
import type { BootEvent } from './boot-event.js';

export class BootEventRing {
  readonly #perMachine: number;
  readonly #maxMachines: number;
  /** Map order is activity order: a MAC is moved to the end on each event, so the first key is the stalest. */
  readonly #byMac = new Map<string, BootEvent[]>();

  constructor(perMachine: number, maxMachines: number) {
    this.#perMachine = perMachine;
    this.#maxMachines = maxMachines;
  }

  /** `event.mac` must already be in normal form. */
  add(event: BootEvent): void {
    const events = this.#byMac.get(event.mac) ?? [];
    this.#byMac.delete(event.mac);
    events.push(event);
    if (events.length > this.#perMachine) events.splice(0, events.length - this.#perMachine);
    this.#byMac.set(event.mac, events);
    // A LAN full of random MACs (or a spoofing tool) must not grow memory without end.
    if (this.#byMac.size > this.#maxMachines) this.#byMac.delete(this.#byMac.keys().next().value!);
  }

  /** Newest last; at most `limit` events. */
  recent(mac: string, limit: number = this.#perMachine): readonly BootEvent[] {
    const events = this.#byMac.get(mac);
    if (events === undefined || !(limit >= 1)) return [];
    return events.slice(-Math.floor(limit));
  }

  /** Least recently active first. */
  macs(): readonly string[] {
    return [...this.#byMac.keys()];
  }
}
