// Diskless roots: the NFS exports (golden roots shared read-only, machines' own layers), each layer's size,
// reset to golden and remove; the golden roots there are. GET/POST/DELETE /api/v1/nfs/... (src/api/nfs-routes.ts).
import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { bytes } from './format.js';
import { notice } from './notice.js';

export const title = 'Diskless';

export async function render(main) {
  const list = h('tbody');
  const empty = h('p', { class: 'empty' }, 'No NFS exports yet: a machine booting a "Diskless NFS root" profile gets its own on its first boot.');
  const roots = h('p', { class: 'muted' });
  const load = async () => {
    const exports = await api('GET', '/nfs/exports');
    empty.hidden = exports.length > 0;
    list.replaceChildren(...exports.map((e) => row(e, load)));
    try {
      const names = await api('GET', '/nfs/roots');
      roots.textContent = names.length === 0 ? 'No golden roots yet: put a root file system in a folder of the NFS roots folder.' : `Golden roots: ${names.join(', ')}`;
    } catch (error) {
      // NFS off: the exports are listed from the store, nothing can change.
      roots.textContent = error instanceof ApiError ? error.message : String(error);
    }
  };
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Diskless roots')),
    roots,
    empty,
    h('table', { class: 'exports' }, h('thead', {}, h('tr', {}, ['Export', 'Kind', 'Machine', 'Allowed', 'Layer', 'Served', ''].map((t) => h('th', {}, t)))), list),
  );
  await load();
}

function row(e, reload) {
  const layer = e.kind === 'layer';
  return h(
    'tr',
    { 'data-export': e.path },
    h('td', { 'data-label': 'Export' }, h('code', {}, e.path)),
    h('td', { 'data-label': 'Kind' }, layer ? 'own layer' : 'shared, read-only'),
    h('td', { 'data-label': 'Machine' }, e.machine ? h('a', { href: `/machines/${encodeURIComponent(e.machine)}` }, e.machine) : ''),
    h('td', { 'data-label': 'Allowed' }, e.allow),
    h('td', { 'data-label': 'Layer', class: 'layer-size' }, layer ? (e.layerBytes === null ? '?' : bytes(e.layerBytes)) : '-'),
    h('td', { 'data-label': 'Served' }, e.online ? 'yes' : 'no'),
    h(
      'td',
      {},
      layer ? h('button', { type: 'button', class: 'small', 'data-action': 'reset', onclick: () => act(e, 'reset').then(reload) }, 'Reset to golden') : null,
      h('button', { type: 'button', class: 'danger small', 'data-action': 'remove', onclick: () => act(e, 'remove').then(reload) }, 'Remove'),
    ),
  );
}

async function act(e, action) {
  const question =
    action === 'reset'
      ? `Reset ${e.path} to golden? Every change the machine made to its root is deleted.`
      : `Remove ${e.path}${e.kind === 'layer' ? ' and its layer' : ''}?`;
  if (!confirm(question)) return;
  try {
    if (action === 'reset') await api('POST', `/nfs/exports/${e.id}/reset`);
    else await api('DELETE', `/nfs/exports/${e.id}`);
    notice(action === 'reset' ? `${e.path} is back to golden` : `Removed ${e.path}`, 'ok');
  } catch (error) {
    notice(error.message, 'error');
  }
}
