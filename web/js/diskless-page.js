// Diskless roots: the NFS exports (golden roots shared read-only, machines' own layers), each layer's size,
// reset to golden and remove; the golden roots there are. GET/POST/DELETE /api/v1/nfs/... (src/api/nfs-routes.ts).
// Below them the iSCSI disks (a copy-on-write disk per machine over a golden image), the same way
// (/api/v1/iscsi/..., src/api/iscsi-routes.ts).
import { api } from './api.js';
import { h } from './dom.js';
import { bytes } from './format.js';
import { notice } from './notice.js';

export const title = 'Diskless';

export async function render(main) {
  // Whether NFS and iSCSI are on decides what can be asked (their golden roots and images) and changed.
  const status = await api('GET', '/status');
  const list = h('tbody');
  const empty = h('p', { class: 'empty' }, 'No NFS exports yet: a machine booting a "Diskless NFS root" profile gets its own on its first boot.');
  const roots = h('p', { class: 'muted' });
  const load = async () => {
    const exports = await api('GET', '/nfs/exports');
    empty.hidden = exports.length > 0;
    list.replaceChildren(...exports.map((e) => row(e, load)));
    if (status.nfs !== true) {
      // NFS off: the exports are listed from the store, nothing can change.
      roots.textContent = 'NFS is off on this server (bramble serve --nfs on): exports are listed, not served or changed.';
      return;
    }
    const names = await api('GET', '/nfs/roots');
    roots.textContent = names.length === 0 ? 'No golden roots yet: put a root file system in a folder of the NFS roots folder.' : `Golden roots: ${names.join(', ')}`;
  };
  const disks = h('tbody');
  const noDisks = h('p', { class: 'empty' }, 'No iSCSI disks yet: a machine booting an "iSCSI root" or "iSCSI SAN boot" profile gets its own on its first boot.');
  const images = h('p', { class: 'muted images' });
  const loadDisks = async () => {
    const listed = await api('GET', '/iscsi/disks');
    noDisks.hidden = listed.length > 0;
    disks.replaceChildren(...listed.map((d) => diskRow(d, loadDisks)));
    if (status.iscsi !== true) {
      // iSCSI off: the disks are listed from the store, nothing can change.
      images.textContent = 'iSCSI is off on this server (bramble serve --iscsi on): disks are listed, not served or changed.';
      return;
    }
    const names = await api('GET', '/iscsi/images');
    images.textContent = names.length === 0 ? 'No golden images yet: make one with bramble iscsi image, or put NAME.img in the iSCSI images folder.' : `Golden images: ${names.join(', ')}`;
  };
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Diskless roots')),
    roots,
    empty,
    h('table', { class: 'exports' }, h('thead', {}, h('tr', {}, ['Export', 'Kind', 'Machine', 'Allowed', 'Layer', 'Served', ''].map((t) => h('th', {}, t)))), list),
    h('h2', {}, 'iSCSI disks'),
    images,
    noDisks,
    h('table', { class: 'disks' }, h('thead', {}, h('tr', {}, ['Target', 'Image', 'Machine', 'Allowed', 'Size', 'Used', 'Served', ''].map((t) => h('th', {}, t)))), disks),
  );
  await load();
  await loadDisks();
}

function diskRow(d, reload) {
  return h(
    'tr',
    { 'data-disk': d.iqn },
    h('td', { 'data-label': 'Target' }, h('code', {}, d.iqn)),
    h('td', { 'data-label': 'Image' }, d.image ?? 'raw'),
    h('td', { 'data-label': 'Machine' }, d.machine ? h('a', { href: `/machines/${encodeURIComponent(d.machine)}` }, d.machine) : ''),
    h('td', { 'data-label': 'Allowed' }, d.allow),
    h('td', { 'data-label': 'Size' }, bytes(d.sizeBytes)),
    h('td', { 'data-label': 'Used', class: 'used' }, d.usedBytes === null ? '?' : bytes(d.usedBytes)),
    h('td', { 'data-label': 'Served' }, d.online ? 'yes' : 'no'),
    h(
      'td',
      {},
      d.kind === 'raw' ? null : h('button', { type: 'button', class: 'small', 'data-action': 'reset', onclick: () => actOnDisk(d, 'reset').then(reload) }, 'Reset to golden'),
      h('button', { type: 'button', class: 'danger small', 'data-action': 'remove', onclick: () => actOnDisk(d, 'remove').then(reload) }, 'Remove'),
    ),
  );
}

async function actOnDisk(d, action) {
  const question = action === 'reset' ? `Reset ${d.iqn} to its golden image? Every change the machine made to its disk is deleted.` : `Remove ${d.iqn} and every change made to it?`;
  if (!confirm(question)) return;
  try {
    if (action === 'reset') await api('POST', `/iscsi/disks/${d.id}/reset`);
    else await api('DELETE', `/iscsi/disks/${d.id}`);
    notice(action === 'reset' ? `${d.iqn} is back to golden` : `Removed ${d.iqn}`, 'ok');
  } catch (error) {
    notice(error.message, 'error');
  }
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
