// A machine's state (discovered, ready, booting, running, off, unknown) as a coloured light with its word.
import { h } from './dom.js';

const MEANING = {
  discovered: 'seen on the network, nothing assigned yet',
  ready: 'has a profile, not booting',
  booting: 'asking for its boot files now',
  running: 'booted: its root was mounted or its agent reported',
  off: 'switched off by Bramble, or a wake went unanswered',
  unknown: 'booting went quiet before it was running',
};

export function stateLight(state) {
  const known = state in MEANING ? state : 'unknown';
  return h('span', { class: `state state-${known}`, title: MEANING[known] }, h('span', { class: 'light', 'aria-hidden': 'true' }), known);
}
