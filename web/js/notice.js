// Short messages at the foot of the page (an action's outcome), gone after a while.
import { h } from './dom.js';

export function notice(text, kind = 'info') {
  let area = document.getElementById('notices');
  if (area === null) {
    area = h('div', { id: 'notices', 'aria-live': 'polite' });
    document.body.append(area);
  }
  const item = h('p', { class: `notice ${kind}` }, text);
  area.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 12_000 : 6_000);
}
