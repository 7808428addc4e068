// Short messages at the foot of the page (an action's outcome), gone after a while.
import { h } from './dom.js';

const MAX_SHOWN = 3;

export function notice(text, kind = 'info') {
  let area = document.getElementById('notices');
  if (area === null) {
    area = h('div', { id: 'notices', 'aria-live': 'polite' });
    document.body.append(area);
  }
  const item = h('p', { class: `notice ${kind}` }, text);
  area.append(item);
  // A burst of actions should not bury the page: the oldest go first.
  while (area.children.length > MAX_SHOWN) area.firstElementChild.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 10_000 : 4_000);
}
