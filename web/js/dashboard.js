// The machines page: every machine as a row (a card on a phone) kept current by live events, no reload needed.
import { api, machinePath } from './api.js';
import { h } from './dom.js';
import { ago, dateTime, machineName, model } from './format.js';
import { onLiveEvent, SETTLE_MS } from './live.js';
import { powerButtons } from './power-controls.js';
import { stateLight } from './state-light.js';

export const title = 'Machines';

export async function render(main) {
  const body = h('tbody');
  const empty = h('p', { class: 'empty' }, 'No machines yet. A machine shows up here as soon as it asks Bramble to boot it.');
  const count = h('span', { class: 'count' });
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Machines ', count)),
    empty,
    h(
      'table',
      { class: 'machines' },
      h('thead', {}, h('tr', {}, ['State', 'Machine', 'Model', 'IP', 'Last seen', 'Profile', 'Power'].map((t) => h('th', { scope: 'col' }, t)))),
      body,
    ),
  );
  const rows = new Map();

  const show = (machine) => {
    const row = machineRow(machine);
    const old = rows.get(machine.mac);
    if (old === undefined) body.append(row);
    else {
      old.replaceWith(row);
      row.classList.add('flash');
    }
    rows.set(machine.mac, row);
    counted();
  };
  const drop = (mac) => {
    rows.get(mac)?.remove();
    rows.delete(mac);
    counted();
  };
  const counted = () => {
    empty.hidden = rows.size > 0;
    count.textContent = `(${rows.size})`;
  };
  const loadAll = async () => {
    const machines = await api('GET', '/machines');
    for (const m of machines) show(m);
    for (const mac of [...rows.keys()]) if (!machines.some((m) => m.mac === mac)) drop(mac);
    counted();
  };

  // Boot events come in bursts (DHCP, TFTP, script, kernel within a second): one fetch per machine per burst.
  // A 404 for a machine not shown yet means its record is not written yet (see SETTLE_MS): asked again later.
  const pending = new Map();
  const refresh = (mac, delay = SETTLE_MS, tries = 4) => {
    if (pending.has(mac)) return;
    pending.set(
      mac,
      setTimeout(async () => {
        pending.delete(mac);
        try {
          show(await api('GET', machinePath(mac)));
        } catch (error) {
          if (error.status !== 404) return;
          if (rows.has(mac)) drop(mac);
          else if (tries > 1) refresh(mac, SETTLE_MS, tries - 1);
        }
      }, delay),
    );
  };

  await loadAll();
  const unsubscribe = onLiveEvent((event, type) => (type === 'resync' ? void loadAll() : refresh(event.mac)));
  const ticker = setInterval(() => {
    for (const cell of body.querySelectorAll('[data-seen]')) cell.textContent = ago(cell.dataset.seen);
  }, 15_000);
  return () => {
    unsubscribe();
    clearInterval(ticker);
    for (const timer of pending.values()) clearTimeout(timer);
  };
}

function machineRow(m) {
  const name = machineName(m);
  return h(
    'tr',
    { 'data-mac': m.mac, class: `machine state-row-${m.state}` },
    h('td', { 'data-label': 'State' }, stateLight(m.state)),
    h(
      'td',
      { 'data-label': 'Machine', class: 'who' },
      h('a', { href: machinePath(m.mac) }, name),
      name === m.mac ? null : h('span', { class: 'mac' }, m.mac),
      (m.tags ?? []).length > 0 ? h('span', { class: 'tags' }, m.tags.map((t) => h('span', { class: 'tag' }, t))) : null,
    ),
    h('td', { 'data-label': 'Model' }, model(m)),
    h('td', { 'data-label': 'IP', class: 'ip' }, m.ip ?? '—'),
    h('td', { 'data-label': 'Last seen', 'data-seen': m.lastSeen, title: dateTime(m.lastSeen) }, ago(m.lastSeen)),
    h('td', { 'data-label': 'Profile' }, m.profile ?? h('span', { class: 'muted' }, 'menu'), m.bootOnce ? h('span', { class: 'once' }, ` once: ${m.bootOnce}`) : null),
    h('td', { 'data-label': 'Power', class: 'power-cell' }, powerButtons(m)),
  );
}
