// Settings: the boot menu (title, timeout, default entry) and the admin password.
import { api } from './api.js';
import { h } from './dom.js';
import { field, formError, onSubmit } from './forms.js';
import { notice } from './notice.js';

export const title = 'Settings';

const BUILT_IN = [
  ['local', 'local disk'],
  ['shell', 'iPXE shell'],
  ['reboot', 'reboot'],
];

export async function render(main) {
  const [settings, profiles] = await Promise.all([api('GET', '/settings'), api('GET', '/profiles')]);
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Settings')),
    h('section', { class: 'card' }, h('h2', {}, 'Boot menu'), menuForm(settings.menu, profiles)),
    h('section', { class: 'card' }, h('h2', {}, 'Password'), passwordForm()),
  );
}

function menuForm(menu, profiles) {
  const entries = [...BUILT_IN, ...profiles.map((p) => [p.name, `profile ${p.name}`])];
  if (!entries.some(([v]) => v === menu.defaultEntry)) entries.push([menu.defaultEntry, `${menu.defaultEntry} (missing)`]);
  const form = h(
    'form',
    { novalidate: true },
    field('Title', h('input', { name: 'menu.title', value: menu.title, autocomplete: 'off' })),
    field('Timeout (seconds)', h('input', { name: 'menu.timeoutSeconds', type: 'number', min: 0, max: 3600, value: menu.timeoutSeconds }), { hint: '0 waits for a choice' }),
    field('Default entry', h('select', { name: 'menu.defaultEntry' }, entries.map(([v, label]) => h('option', { value: v, selected: v === menu.defaultEntry }, label)))),
    formError(),
    h('button', { type: 'submit' }, 'Save menu'),
  );
  return onSubmit(form, async (data) => {
    const timeout = String(data.get('menu.timeoutSeconds')).trim();
    await api('PATCH', '/settings', {
      'menu.title': String(data.get('menu.title')),
      // Sent as typed when it is not a number, so the server's message explains what it wants.
      'menu.timeoutSeconds': /^\d+$/.test(timeout) ? Number(timeout) : timeout,
      'menu.defaultEntry': String(data.get('menu.defaultEntry')),
    });
    notice('Menu saved', 'ok');
  });
}

function passwordForm() {
  const form = h(
    'form',
    { novalidate: true },
    field('Current password', h('input', { name: 'current', type: 'password', autocomplete: 'current-password' })),
    field('New password', h('input', { name: 'next', type: 'password', autocomplete: 'new-password', minlength: 10 }), { hint: 'at least 10 characters' }),
    field('New password again', h('input', { name: 'repeat', type: 'password', autocomplete: 'new-password' })),
    formError(),
    h('button', { type: 'submit' }, 'Change password'),
  );
  return onSubmit(form, async (data) => {
    if (data.get('next') !== data.get('repeat')) {
      form.querySelector('[data-error-for="repeat"]').textContent = 'does not match the new password';
      return;
    }
    await api('POST', '/password', { current: data.get('current'), next: data.get('next') });
    form.reset();
    notice('Password changed; other sessions were logged out', 'ok');
  });
}
