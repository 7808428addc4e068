// One server-sent events connection to GET /api/v1/events/stream, shared by the pages. EventSource reconnects
// by itself; after a reconnect listeners get a 'resync' (events may have been missed while it was away).
import { api } from './api.js';

/**
 * How long to wait after an event before reading the machine: an event is sent at once, the facts that came
 * with it are written in 0.5 s batches (src/inventory/recorder.ts).
 */
export const SETTLE_MS = 650;

const listeners = new Set();
let source = null;
let connectedOnce = false;

/** fn(event, type): type is 'boot', 'power' or 'resync' (event null). Returns the unsubscribe function. */
export function onLiveEvent(fn) {
  listeners.add(fn);
  connect();
  return () => listeners.delete(fn);
}

function emit(event, type) {
  for (const fn of listeners) fn(event, type);
}

function connect() {
  if (source !== null) return;
  source = new EventSource('/api/v1/events/stream');
  for (const type of ['boot', 'power']) {
    source.addEventListener(type, (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (typeof event?.mac === 'string') emit(event, type);
    });
  }
  source.addEventListener('hello', () => {
    showLive(true);
    if (connectedOnce) emit(null, 'resync');
    connectedOnce = true;
  });
  source.addEventListener('error', () => {
    showLive(false);
    if (source.readyState !== EventSource.CLOSED) return;
    // Closed for good: the stream answered with an error, most likely an ended session (api() then goes to login).
    source = null;
    api('GET', '/session').then(() => setTimeout(connect, 5000), () => setTimeout(connect, 5000));
  });
}

function showLive(on) {
  const dot = document.getElementById('live');
  if (dot === null) return;
  dot.classList.toggle('on', on);
  dot.title = on ? 'live updates connected' : 'live updates reconnecting…';
}
