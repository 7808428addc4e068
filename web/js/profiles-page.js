// Profiles (what a machine boots): the list, a form to add one of each kind, and delete.
import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { field, formError, onSubmit } from './forms.js';
import { notice } from './notice.js';

export const title = 'Profiles';

const KINDS = {
  kernel: 'Linux kernel + initrds',
  'nfs-root': 'Diskless NFS root',
  'iscsi-root': 'Diskless iSCSI root',
  'iscsi-sanboot': 'iSCSI SAN boot',
  script: 'iPXE script',
  chain: 'Chain to a URL',
  'local-disk': 'Boot the local disk',
};

function summary(p) {
  if (p.kind === 'kernel') return [p.kernel, ...(p.initrds ?? []), p.cmdline].filter(Boolean).join(' · ');
  if (p.kind === 'nfs-root') return [`root ${p.nfsRoot}, a layer per machine`, p.kernel, ...(p.initrds ?? []), p.cmdline].filter(Boolean).join(' · ');
  if (p.kind === 'iscsi-root') return [`disk over ${p.iscsiImage}, one per machine`, p.kernel, ...(p.initrds ?? []), p.cmdline].filter(Boolean).join(' · ');
  if (p.kind === 'iscsi-sanboot') return `iPXE boots a disk over ${p.iscsiImage}, one per machine`;
  if (p.kind === 'script') return `${p.script.split('\n').length} line script`;
  if (p.kind === 'chain') return p.chain;
  return 'exits to the next boot device';
}

export async function render(main) {
  const list = h('tbody');
  const empty = h('p', { class: 'empty' }, 'No profiles yet: machines see the boot menu with its built-in entries.');
  const load = async () => {
    const profiles = await api('GET', '/profiles');
    empty.hidden = profiles.length > 0;
    list.replaceChildren(
      ...profiles.map((p) =>
        h(
          'tr',
          { 'data-profile': p.name },
          h('td', { 'data-label': 'Name' }, h('strong', {}, p.name), p.description ? h('div', { class: 'muted' }, p.description) : null),
          h('td', { 'data-label': 'Kind' }, KINDS[p.kind] ?? p.kind),
          h('td', { 'data-label': 'Boots', class: 'wrap' }, summary(p)),
          h('td', {}, h('button', { type: 'button', class: 'danger small', onclick: () => remove(p.name).then(load) }, 'Delete')),
        ),
      ),
    );
  };
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Profiles')),
    empty,
    h('table', { class: 'profiles' }, h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Boots', ''].map((t) => h('th', {}, t)))), list),
    h('section', { class: 'card' }, h('h2', {}, 'Add a profile'), addForm(load)),
  );
  await load();
}

async function remove(name) {
  if (!confirm(`Delete profile ${name}?`)) return;
  const path = `/profiles/${encodeURIComponent(name)}`;
  try {
    await api('DELETE', path);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'PROFILE_IN_USE')) {
      notice(error.message, 'error');
      return;
    }
    if (!confirm(`${error.message.replace(/ \(use --force.*\)$/, '')}. Unassign it and delete?`)) return;
    try {
      await api('DELETE', `${path}?force=true`);
    } catch (forced) {
      notice(forced.message, 'error');
      return;
    }
  }
  notice(`Deleted profile ${name}`, 'ok');
}

const kindFields = {
  kernel: () => [
    field('Kernel', h('input', { name: 'kernel', placeholder: '/srv/debian/vmlinuz or https://…', autocomplete: 'off' }), { hint: 'an absolute path on the appliance, or an http(s) URL' }),
    field('Initrds', h('textarea', { name: 'initrds', rows: 2, placeholder: 'one per line' }), { errorFor: 'initrds initrd' }),
    field('Kernel command line', h('input', { name: 'cmdline', placeholder: 'console=ttyS0 quiet', autocomplete: 'off' })),
  ],
  'nfs-root': () => [
    ...kindFields.kernel(),
    field('Golden root', h('input', { name: 'nfsRoot', placeholder: 'debian', autocomplete: 'off' }), {
      hint: 'a folder of the NFS roots folder; each machine gets its own layer over it, made on its first boot',
    }),
  ],
  'iscsi-root': () => [
    ...kindFields.kernel(),
    field('Golden image', h('input', { name: 'iscsiImage', placeholder: 'k3s-node', autocomplete: 'off' }), {
      hint: 'IMAGE.img in the iSCSI images folder; each machine gets its own copy-on-write disk over it, and its initramfs logs in to it',
    }),
  ],
  'iscsi-sanboot': () => [
    field('Golden image', h('input', { name: 'iscsiImage', placeholder: 'k3s-node', autocomplete: 'off' }), {
      hint: 'a disk image with a boot loader; iPXE boots each machine from its own copy-on-write disk over it',
    }),
  ],
  script: () => [field('iPXE script', h('textarea', { name: 'script', rows: 6, class: 'mono', placeholder: '#!ipxe\necho hello\nshell' }))],
  chain: () => [field('URL', h('input', { name: 'chain', type: 'url', placeholder: 'https://boot.netboot.xyz', autocomplete: 'off' }))],
  'local-disk': () => [],
};

function addForm(saved) {
  const kind = h('select', { name: 'kind' }, Object.entries(KINDS).map(([k, label]) => h('option', { value: k }, label)));
  const extra = h('div', { class: 'kind-fields' });
  const fill = () => extra.replaceChildren(...kindFields[kind.value]());
  kind.addEventListener('change', fill);
  fill();
  const form = h(
    'form',
    { class: 'add-profile', novalidate: true },
    field('Name', h('input', { name: 'name', placeholder: 'debian-installer', autocomplete: 'off' })),
    field('Description', h('input', { name: 'description', autocomplete: 'off' })),
    field('Kind', kind),
    extra,
    formError(),
    h('button', { type: 'submit' }, 'Add profile'),
  );
  return onSubmit(form, async (data) => {
    const text = (key) => String(data.get(key) ?? '').trim();
    const body = { name: text('name'), ...(text('description') ? { description: text('description') } : {}) };
    if (kind.value === 'kernel' || kind.value === 'nfs-root' || kind.value === 'iscsi-root') {
      Object.assign(body, { kernel: text('kernel'), initrds: text('initrds').split('\n').map((s) => s.trim()).filter(Boolean) });
      if (text('cmdline')) body.cmdline = text('cmdline');
      if (kind.value === 'nfs-root') body.nfsRoot = text('nfsRoot');
      if (kind.value === 'iscsi-root') body.iscsiImage = text('iscsiImage');
    } else if (kind.value === 'iscsi-sanboot') Object.assign(body, { iscsiImage: text('iscsiImage'), sanboot: true });
    else if (kind.value === 'script') body.script = String(data.get('script') ?? '');
    else if (kind.value === 'chain') body.chain = text('chain');
    else body.localDisk = true;
    const profile = await api('POST', '/profiles', body);
    notice(`Added profile ${profile.name}`, 'ok');
    form.reset();
    fill();
    await saved();
  });
}
