// The single-page app: who is logged in, the page for the address bar's path, links without reloads, logout.
import { api, loadSession } from './api.js';
import { h } from './dom.js';
import { navigate } from './navigate.js';
import * as appliancePage from './appliance-page.js';
import * as dashboard from './dashboard.js';
import * as machinePage from './machine-page.js';
import * as disklessPage from './diskless-page.js';
import * as profilesPage from './profiles-page.js';
import * as settingsPage from './settings-page.js';

const ROUTES = [
  [/^\/$/, dashboard, 'Machines'],
  [/^\/machines\/([^/]+)$/, machinePage, 'Machines', (m) => ({ mac: decodeURIComponent(m[1]) })],
  [/^\/appliance$/, appliancePage, 'Appliance'],
  [/^\/profiles$/, profilesPage, 'Profiles'],
  [/^\/diskless$/, disklessPage, 'Diskless'],
  [/^\/settings$/, settingsPage, 'Settings'],
];

let leave = null;

async function show() {
  leave?.();
  leave = null;
  const main = document.getElementById('main');
  // A fresh container per visit: a slow page that finishes after the user moved on fills a detached node.
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  const found = ROUTES.map(([re, page, section, params]) => ({ match: re.exec(location.pathname), page, section, params })).find((r) => r.match);
  for (const link of document.querySelectorAll('header nav a')) link.classList.toggle('active', link.textContent === found?.section);
  if (found === undefined) {
    view.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '/' }, 'Back to the machines')));
    return;
  }
  document.title = `${found.page.title} · Bramble`;
  try {
    const cleanup = await found.page.render(view, found.params?.(found.match) ?? {});
    if (typeof cleanup !== 'function') return;
    if (view.isConnected) leave = cleanup;
    else cleanup();
  } catch (error) {
    view.append(h('p', { class: 'error form-error' }, error.status === 404 ? 'Not found: ' + error.message : error.message));
  }
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[href]');
  if (link === null || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.target) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/static/')) return;
  event.preventDefault();
  if (url.pathname !== location.pathname) navigate(url.pathname);
});

window.addEventListener('popstate', show);

document.getElementById('logout').addEventListener('click', async () => {
  await api('POST', '/logout').catch(() => {});
  location.assign('/login');
});

const session = await loadSession();
document.getElementById('user').textContent = session.user;
await show();
