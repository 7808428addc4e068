// One machine: what it is, its latest boot as a picture, hardware, power history, and its settings.
import { api, machinePath } from './api.js';
import { h } from './dom.js';
import { ago, clock, dateTime, machineName, model } from './format.js';
import { field, formError, onSubmit } from './forms.js';
import { onLiveEvent, SETTLE_MS } from './live.js';
import { navigate } from './navigate.js';
import { notice } from './notice.js';
import { powerButtons } from './power-controls.js';
import { powerSettingsForm } from './power-settings-form.js';
import { bootTimeline } from './boot-timeline.js';
import { hardwareFacts } from './hardware-facts.js';
import { stateLight } from './state-light.js';

export const title = 'Machine';

export async function render(main, { mac }) {
  const [machine, profiles] = await Promise.all([api('GET', machinePath(mac)), api('GET', '/profiles')]);
  document.title = `${machineName(machine)} · Bramble`;
  const live = h('div', { class: 'live-part' });
  const show = (m) => live.replaceChildren(...liveSections(m));
  show(machine);
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, '← Machines')),
    live,
    h(
      'div',
      { class: 'settings-grid' },
      h('section', { class: 'card' }, h('h2', {}, 'Boot'), bootForm(machine, profiles, show)),
      h('section', { class: 'card' }, h('h2', {}, 'Name and tags'), identityForm(machine, show)),
      h('section', { class: 'card' }, h('h2', {}, 'Power settings'), powerSettingsForm(machine, show)),
      h('section', { class: 'card danger' }, h('h2', {}, 'Forget this machine'), deleteButton(machine)),
    ),
  );

  let timer = null;
  return onLiveEvent((event, type) => {
    if (type !== 'resync' && event.mac !== machine.mac) return;
    clearTimeout(timer);
    timer = setTimeout(() => api('GET', machinePath(machine.mac)).then(show, () => {}), SETTLE_MS);
  });
}

function liveSections(m) {
  const events = m.events ?? [];
  return [
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, stateLight(m.state), ' ', machineName(m)),
      h('div', { class: 'power-cell' }, powerButtons(m)),
    ),
    h(
      'section',
      { class: 'card' },
      h(
        'dl',
        { class: 'facts' },
        [
          ['MAC', h('span', { class: 'mac' }, m.mac)],
          ['Model', model(m)],
          ['IP', m.ip ?? '—'],
          ['Firmware', [m.firmware, m.archName].filter(Boolean).join(', ') || '—'],
          ['Profile', m.profile ?? 'menu', m.bootOnce ? ` (next boot once: ${m.bootOnce})` : ''],
          ...(m.nfsExport ? [['Root', h('a', { href: '/diskless' }, h('code', {}, m.nfsExport)), ' (its own layer over the golden root)']] : []),
          ['Power', m.power?.driver ?? 'none'],
          ['First seen', dateTime(m.firstSeen)],
          ['Last seen', `${ago(m.lastSeen)} (${dateTime(m.lastSeen)})`],
        ].map(([k, ...v]) => [h('dt', {}, k), h('dd', {}, ...v)]),
      ),
    ),
    h('section', { class: 'card' }, h('h2', {}, 'Latest boot'), bootTimeline(events), eventList(events)),
    h('section', { class: 'card' }, h('h2', {}, 'Power history'), powerHistory(events)),
    h('section', { class: 'card' }, h('h2', {}, 'Hardware'), hardwareFacts(m)),
  ];
}

function eventList(events) {
  if (events.length === 0) return null;
  const newest = events.slice(-40).reverse();
  return h(
    'details',
    { class: 'events' },
    h('summary', {}, `Recent events (${events.length})`),
    h('ul', { class: 'event-list' }, newest.map((e) => h('li', {}, h('time', { datetime: e.time, title: dateTime(e.time) }, clock(e.time)), h('span', { class: `stage stage-${e.stage}` }, e.stage), e.detail))),
  );
}

function powerHistory(events) {
  const power = events.filter((e) => e.stage === 'power').reverse();
  if (power.length === 0) return h('p', { class: 'muted' }, 'No power actions yet.');
  return h(
    'ul',
    { class: 'power-history' },
    power.map((e) => {
      const ok = e.fields?.ok;
      return h(
        'li',
        { class: ok === false ? 'failed' : 'done' },
        h('span', { class: 'ok', title: ok === false ? 'failed' : ok === true ? 'done' : '' }, ok === false ? '✗' : ok === true ? '✓' : '•'),
        h('time', { datetime: e.time, title: dateTime(e.time) }, `${clock(e.time)} `),
        h('span', { class: 'detail' }, e.detail),
        // The server's own wording names who asked; older or other events may not.
        e.fields?.by && !e.detail.includes(String(e.fields.by)) ? h('span', { class: 'by' }, ` by ${e.fields.by}`) : null,
      );
    }),
  );
}

function profileSelect(name, profiles, current, none) {
  return h('select', { name, id: `m-${name}` }, h('option', { value: '' }, none), profiles.map((p) => h('option', { value: p.name, selected: current === p.name }, `${p.name} (${p.kind})`)));
}

function bootForm(m, profiles, show) {
  const form = h(
    'form',
    { novalidate: true },
    field('Always boots', profileSelect('profile', profiles, m.profile, 'the menu (or the default profile)')),
    field('Next boot only', profileSelect('bootOnce', profiles, m.bootOnce, 'nothing special'), { hint: 'used once, then the machine goes back to the above' }),
    formError(),
    h('button', { type: 'submit' }, 'Save'),
  );
  return onSubmit(form, async (data) => {
    const patch = { profile: data.get('profile') || null, bootOnce: data.get('bootOnce') || null };
    show(await api('PATCH', machinePath(m.mac), patch));
    notice('Boot settings saved', 'ok');
  });
}

function identityForm(m, show) {
  const form = h(
    'form',
    { novalidate: true },
    field('Name', h('input', { name: 'name', value: m.name ?? '', placeholder: m.hostname ?? 'e.g. nuc-1', autocomplete: 'off' })),
    field('Tags', h('input', { name: 'tags', value: (m.tags ?? []).join(' '), placeholder: 'k3s rack-2', autocomplete: 'off' }), { hint: 'separated by spaces or commas' }),
    field('Reserved address', h('input', { name: 'reservedAddress', value: m.reservedAddress ?? '', placeholder: 'full DHCP mode only', autocomplete: 'off' })),
    formError(),
    h('button', { type: 'submit' }, 'Save'),
  );
  return onSubmit(form, async (data) => {
    const tags = String(data.get('tags')).split(/[\s,]+/).filter((t) => t !== '');
    const text = (key) => String(data.get(key)).trim() || null;
    show(await api('PATCH', machinePath(m.mac), { name: text('name'), tags: tags.length > 0 ? tags : null, reservedAddress: text('reservedAddress') }));
    notice('Saved', 'ok');
  });
}

function deleteButton(m) {
  return h(
    'p',
    {},
    'Bramble forgets its settings and history; it shows up again if it boots from the network. ',
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          if (!confirm(`Forget ${m.name ?? m.mac}?`)) return;
          try {
            await api('DELETE', machinePath(m.mac));
            notice(`Forgot ${m.mac}`, 'ok');
            navigate('/');
          } catch (error) {
            notice(error.message, 'error');
          }
        },
      },
      'Forget machine',
    ),
  );
}
