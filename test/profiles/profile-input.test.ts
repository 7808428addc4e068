import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProfileInput, isUrl, type ProfileCheck, type ProfileInput } from '../../src/profiles/profile-input.js';

const now = '2026-01-01T00:00:00.000Z';
// Stands in for the caller's file check: only these paths are readable files.
const files = new Set(['/srv/debian/linux', '/srv/debian/initrd.gz', '/srv/fw.cpio']);
const isFile = (path: string) => files.has(path);

const ok = (profile: Record<string, unknown>): ProfileCheck => ({ ok: true, profile: { createdAt: now, ...profile } as never });
const bad = (field: string, error: RegExp) => ({ field, error });

const cases: readonly { name: string; input: ProfileInput; expect: ProfileCheck | { field: string; error: RegExp } }[] = [
  {
    name: 'kernel with local files, initrds and cmdline',
    input: { name: 'debian', kernel: '/srv/debian/linux', initrds: ['/srv/debian/initrd.gz', '/srv/fw.cpio'], cmdline: 'priority=low', description: 'Debian 12' },
    expect: ok({ name: 'debian', kind: 'kernel', description: 'Debian 12', kernel: '/srv/debian/linux', initrds: ['/srv/debian/initrd.gz', '/srv/fw.cpio'], cmdline: 'priority=low' }),
  },
  {
    name: 'kernel from URLs, no initrds',
    input: { name: 'net', kernel: 'https://mirror.invalid/linux' },
    expect: ok({ name: 'net', kind: 'kernel', kernel: 'https://mirror.invalid/linux', initrds: [] }),
  },
  {
    name: 'an empty description and cmdline are left out',
    input: { name: 'k', kernel: 'http://m.invalid/k', description: '', cmdline: '' },
    expect: ok({ name: 'k', kind: 'kernel', kernel: 'http://m.invalid/k', initrds: [] }),
  },
  {
    name: 'script',
    input: { name: 'custom', script: '#!ipxe\nshell\n' },
    expect: ok({ name: 'custom', kind: 'script', script: '#!ipxe\nshell\n' }),
  },
  {
    name: 'chain',
    input: { name: 'netboot.xyz', chain: 'https://boot.netboot.xyz/ipxe/netboot.xyz.efi' },
    expect: ok({ name: 'netboot.xyz', kind: 'chain', chain: 'https://boot.netboot.xyz/ipxe/netboot.xyz.efi' }),
  },
  {
    name: 'local disk',
    input: { name: 'disk', localDisk: true, description: 'boot the hard disk' },
    expect: ok({ name: 'disk', kind: 'local-disk', description: 'boot the hard disk' }),
  },
  { name: 'a name of 63 characters', input: { name: 'a'.repeat(63), localDisk: true }, expect: ok({ name: 'a'.repeat(63), kind: 'local-disk' }) },
  { name: 'a name with dot, dash and underscore', input: { name: '9x_y-z.1', localDisk: true }, expect: ok({ name: '9x_y-z.1', kind: 'local-disk' }) },

  { name: 'no name', input: { localDisk: true }, expect: bad('name', /1-63 letters/) },
  { name: 'a name of 64 characters', input: { name: 'a'.repeat(64), localDisk: true }, expect: bad('name', /1-63/) },
  { name: 'a name starting with a dot', input: { name: '.hidden', localDisk: true }, expect: bad('name', /starting with a letter or digit/) },
  { name: 'a name with a slash', input: { name: 'a/b', localDisk: true }, expect: bad('name', /letters/) },
  { name: 'a name with a space', input: { name: 'a b', localDisk: true }, expect: bad('name', /letters/) },
  { name: 'a name with a trailing newline', input: { name: 'abc\n', localDisk: true }, expect: bad('name', /letters/) },
  { name: 'a name that is not text', input: { name: 7, localDisk: true }, expect: bad('name', /letters/) },
  { name: 'no kind at all', input: { name: 'x' }, expect: bad('kind', /exactly one of --kernel, --sanboot, --script, --chain or --local-disk/) },
  {
    name: 'iSCSI root: a kernel whose initramfs logs in to the machine\'s disk over a golden image',
    input: { name: 'k3s', kernel: '/srv/debian/linux', initrds: ['/srv/debian/initrd.gz'], cmdline: 'root=LABEL=k3s', iscsiImage: 'k3s-node' },
    expect: ok({ name: 'k3s', kind: 'iscsi-root', kernel: '/srv/debian/linux', initrds: ['/srv/debian/initrd.gz'], cmdline: 'root=LABEL=k3s', iscsiImage: 'k3s-node' }),
  },
  { name: 'iSCSI SAN boot: only the image', input: { name: 'san', iscsiImage: 'win', sanboot: true }, expect: ok({ name: 'san', kind: 'iscsi-sanboot', iscsiImage: 'win' }) },
  { name: 'SAN boot without an image', input: { name: 'san', sanboot: true }, expect: bad('iscsiImage', /needs --iscsi-image/) },
  { name: 'SAN boot with a kernel', input: { name: 'san', sanboot: true, iscsiImage: 'win', kernel: '/srv/debian/linux' }, expect: bad('kernel', /no --kernel/) },
  { name: 'an iSCSI image without a kernel or sanboot', input: { name: 'x', iscsiImage: 'k3s' }, expect: bad('kernel', /needs --kernel/) },
  { name: 'an iSCSI image and an NFS root at once', input: { name: 'x', kernel: '/srv/debian/linux', iscsiImage: 'k3s', nfsRoot: 'debian' }, expect: bad('kind', /not both/) },
  { name: 'an iSCSI image name with a slash', input: { name: 'x', iscsiImage: '../etc', sanboot: true }, expect: bad('iscsiImage', /golden image/) },
  { name: 'localDisk false is no kind', input: { name: 'x', localDisk: false }, expect: bad('kind', /exactly one/) },
  { name: 'two kinds', input: { name: 'x', kernel: 'http://a.invalid/k', chain: 'http://a.invalid/c' }, expect: bad('kind', /exactly one/) },
  { name: 'script and local disk', input: { name: 'x', script: 'shell', localDisk: true }, expect: bad('kind', /exactly one/) },
  { name: 'a description with a newline', input: { name: 'x', localDisk: true, description: 'one\ntwo' }, expect: bad('description', /single line/) },
  { name: 'a description with a carriage return', input: { name: 'x', localDisk: true, description: 'one\rtwo' }, expect: bad('description', /single line/) },
  { name: 'a description that is not text', input: { name: 'x', localDisk: true, description: ['a'] }, expect: bad('description', /single line/) },
  { name: 'a cmdline with a newline', input: { name: 'x', kernel: 'http://a.invalid/k', cmdline: 'quiet\nshell' }, expect: bad('cmdline', /single line/) },
  { name: 'a relative kernel path', input: { name: 'x', kernel: 'boot/linux' }, expect: bad('kernel', /"boot\/linux" must be an absolute path or an http\(s\) URL/) },
  { name: 'a kernel that is not a readable file', input: { name: 'x', kernel: '/srv/missing' }, expect: bad('kernel', /"\/srv\/missing" is not a readable file/) },
  { name: 'an empty kernel', input: { name: 'x', kernel: '' }, expect: bad('kernel', /file path or an http\(s\) URL/) },
  { name: 'a kernel that is not text', input: { name: 'x', kernel: 5 }, expect: bad('kernel', /file path or an http\(s\) URL/) },
  { name: 'a tftp kernel URL', input: { name: 'x', kernel: 'tftp://10.0.0.1/linux' }, expect: bad('kernel', /absolute path or an http\(s\) URL/) },
  { name: 'initrds not a list', input: { name: 'x', kernel: 'http://a.invalid/k', initrds: '/srv/fw.cpio' }, expect: bad('initrds', /must be a list/) },
  { name: 'a missing initrd file', input: { name: 'x', kernel: '/srv/debian/linux', initrds: ['/srv/fw.cpio', '/srv/gone.img'] }, expect: bad('initrd', /"\/srv\/gone.img" is not a readable file/) },
  { name: 'an empty initrd entry', input: { name: 'x', kernel: '/srv/debian/linux', initrds: [''] }, expect: bad('initrd', /file path or an http\(s\) URL/) },
  { name: 'an empty script', input: { name: 'x', script: '  \n ' }, expect: bad('script', /non-empty iPXE script/) },
  { name: 'a script that is not text', input: { name: 'x', script: 1 }, expect: bad('script', /non-empty iPXE script/) },
  { name: 'a chain that is not a URL', input: { name: 'x', chain: '/srv/a.ipxe' }, expect: bad('chain', /http\(s\) URL/) },
  { name: 'a chain URL with a newline', input: { name: 'x', chain: 'http://a.invalid/x\nshell' }, expect: bad('chain', /http\(s\) URL/) },
  { name: 'a chain URL with a space', input: { name: 'x', chain: 'http://a.invalid/x shell' }, expect: bad('chain', /http\(s\) URL/) },
];

for (const c of cases) {
  test(`checkProfileInput: ${c.name}`, () => {
    const result = checkProfileInput(c.input, isFile, now);
    if ('ok' in c.expect) {
      assert.deepEqual(result, c.expect);
    } else {
      assert.equal(result.ok, false, JSON.stringify(result));
      const failure = result as { field: string; error: string };
      assert.equal(failure.field, c.expect.field);
      assert.match(failure.error, c.expect.error);
    }
  });
}

test('checkProfileInput looks at local paths only, never at URLs', () => {
  const asked: string[] = [];
  const spy = (path: string) => {
    asked.push(path);
    return true;
  };
  checkProfileInput({ name: 'x', kernel: 'http://a.invalid/k', initrds: ['/srv/i.img', 'https://a.invalid/i2'] }, spy, now);
  assert.deepEqual(asked, ['/srv/i.img']);
});

const urls: readonly [string, boolean][] = [
  ['http://a.invalid/x', true],
  ['HTTPS://A.INVALID/X', true],
  ['https://192.168.1.5:8080/boot.ipxe?x=1', true],
  ['http://', false],
  ['ftp://a.invalid/x', false],
  ['http://a.invalid/x y', false],
  ['/srv/x', false],
  ['', false],
];

for (const [value, expect] of urls) {
  test(`isUrl(${JSON.stringify(value)}) is ${expect}`, () => {
    assert.equal(isUrl(value), expect);
  });
}

test('checkProfileInput refuses the menu\'s built-in entry names', () => {
  for (const name of ['local', 'shell', 'reboot']) {
    const r = checkProfileInput({ name, localDisk: true }, () => true, '2026-01-01T00:00:00Z');
    assert.deepEqual(r, { ok: false, field: 'name', error: `"${name}" is a built-in menu entry; choose another name` });
  }
  assert.equal(checkProfileInput({ name: 'locals', localDisk: true }, () => true, 'x').ok, true);
});
