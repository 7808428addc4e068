// In-process fan-out of boot and power events to live listeners (the SSE stream, wake confirmation).
import type { BootEvent } from '../store/boot-event.js';

export type EventListener = (event: BootEvent) => void;

export interface EventBus {
  publish(event: BootEvent): void;
  /** Returns the unsubscribe function. A listener that throws is dropped from that one delivery only. */
  subscribe(listener: EventListener): () => void;
  readonly listeners: number;
}

export function createEventBus(onListenerError: (error: unknown) => void = () => undefined): EventBus {
  const listeners = new Set<EventListener>();
  return {
    publish(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get listeners() {
      return listeners.size;
    },
  };
}
