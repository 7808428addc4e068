import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMenu, renderProfileScript, type MenuOptions, type ScriptUrls } from '../../src/boot/ipxe-script.js';
import type { Profile } from '../../src/store/schema.js';

const at = '2026-01-01T00:00:00.000Z';
const base = 'http://192.168.1.5';
const urls: ScriptUrls = {
  asset: (p, which) => `${base}/files/profile/${p.name}/${which}/${which === 'kernel' ? p.kernel!.split('/').pop() : p.initrds![which]!.split('/').pop()}`,
  profileScript: (p) => `${base}/boot.ipxe?profile=${p.name}&mac=52:54:00:12:34:56`,
};

const failedTail = ['exit', ':failed', 'echo Bramble: boot failed, retrying in 10 s', 'sleep 10', 'reboot', ''];
const script = (...lines: string[]): string => [...lines, ...failedTail].join('\n');

const kernelCases: readonly { name: string; profile: Profile; expect: string }[] = [
  {
    name: 'kernel without initrd or cmdline',
    profile: { name: 'bare', kind: 'kernel', kernel: '/srv/boot/vmlinuz', createdAt: at },
    expect: script(
      '#!ipxe',
      'echo Bramble: booting bare',
      'kernel http://192.168.1.5/files/profile/bare/kernel/vmlinuz || goto failed',
      'boot || goto failed',
    ),
  },
  {
    name: 'kernel with a cmdline and an empty initrd list',
    profile: { name: 'rescue', kind: 'kernel', kernel: '/srv/boot/vmlinuz', initrds: [], cmdline: 'console=ttyS0 quiet', createdAt: at },
    expect: script(
      '#!ipxe',
      'echo Bramble: booting rescue',
      'kernel http://192.168.1.5/files/profile/rescue/kernel/vmlinuz console=ttyS0 quiet || goto failed',
      'boot || goto failed',
    ),
  },
  {
    name: 'kernel with one initrd (named on the command line for the EFI stub)',
    profile: { name: 'debian', kind: 'kernel', kernel: '/srv/d/linux', initrds: ['/srv/d/initrd.gz'], cmdline: 'priority=low', createdAt: at },
    expect: script(
      '#!ipxe',
      'echo Bramble: booting debian',
      'kernel http://192.168.1.5/files/profile/debian/kernel/linux initrd=initrd0.gz priority=low || goto failed',
      'initrd --name initrd0.gz http://192.168.1.5/files/profile/debian/0/initrd.gz || goto failed',
      'boot || goto failed',
    ),
  },
  {
    name: 'kernel with two initrds and no cmdline',
    profile: { name: 'live', kind: 'kernel', kernel: '/srv/l/vmlinuz', initrds: ['/srv/l/initrd.img', '/srv/l/firmware.cpio'], createdAt: at },
    expect: script(
      '#!ipxe',
      'echo Bramble: booting live',
      'kernel http://192.168.1.5/files/profile/live/kernel/vmlinuz initrd=initrd0.img initrd=initrd1.cpio || goto failed',
      'initrd --name initrd0.img http://192.168.1.5/files/profile/live/0/initrd.img || goto failed',
      'initrd --name initrd1.cpio http://192.168.1.5/files/profile/live/1/firmware.cpio || goto failed',
      'boot || goto failed',
    ),
  },
  {
    name: 'initrd without a known extension gets a bare name',
    profile: { name: 'nx', kind: 'kernel', kernel: '/srv/n/kernel', initrds: ['/srv/n/ramdisk'], createdAt: at },
    expect: script(
      '#!ipxe',
      'echo Bramble: booting nx',
      'kernel http://192.168.1.5/files/profile/nx/kernel/kernel initrd=initrd0 || goto failed',
      'initrd --name initrd0 http://192.168.1.5/files/profile/nx/0/ramdisk || goto failed',
      'boot || goto failed',
    ),
  },
  {
    name: 'a cmdline with a newline stays on the kernel line',
    profile: { name: 'inj', kind: 'kernel', kernel: '/k/vmlinuz', initrds: [], cmdline: 'quiet\nshell\r\nreboot', createdAt: at },
    expect: script('#!ipxe', 'echo Bramble: booting inj', 'kernel http://192.168.1.5/files/profile/inj/kernel/vmlinuz quiet shell reboot || goto failed', 'boot || goto failed'),
  },
  {
    // iPXE splits lines on whitespace and treats the tokens `;`, `&&`, `||` as command separators and a token
    // starting with `#` as a comment (core/exec.c), so these would run `shell` or drop `|| goto failed`.
    // `${}` expands to nothing after that split: the kernel still gets the text as written.
    name: 'iPXE operator and comment tokens in a cmdline are defused',
    profile: { name: 'ops', kind: 'kernel', kernel: '/k/vmlinuz', initrds: [], cmdline: 'a ; shell && b || c #note x#y', createdAt: at },
    expect: script(
      '#!ipxe',
      'echo Bramble: booting ops',
      'kernel http://192.168.1.5/files/profile/ops/kernel/vmlinuz a ${}; shell ${}&& b ${}|| c ${}#note x#y || goto failed',
      'boot || goto failed',
    ),
  },
  {
    name: 'tokens that merely contain operator characters are left alone',
    profile: { name: 'near', kind: 'kernel', kernel: '/k/vmlinuz', initrds: [], cmdline: 'a;b ;c &&& ||| d#e', createdAt: at },
    expect: script('#!ipxe', 'echo Bramble: booting near', 'kernel http://192.168.1.5/files/profile/near/kernel/vmlinuz a;b ;c &&& ||| d#e || goto failed', 'boot || goto failed'),
  },
  {
    name: 'iPXE settings in a cmdline are left for iPXE to expand',
    profile: { name: 'vars', kind: 'kernel', kernel: '/k/vmlinuz', initrds: [], cmdline: 'ip=${net0/ip} BOOTIF=01-${net0/mac:hexhyp}', createdAt: at },
    expect: script(
      '#!ipxe',
      'echo Bramble: booting vars',
      'kernel http://192.168.1.5/files/profile/vars/kernel/vmlinuz ip=${net0/ip} BOOTIF=01-${net0/mac:hexhyp} || goto failed',
      'boot || goto failed',
    ),
  },
];

for (const c of kernelCases) {
  test(`profile script: ${c.name}`, () => {
    assert.equal(renderProfileScript(c.profile, urls, null), c.expect);
    // The kernel script does not depend on the platform.
    assert.equal(renderProfileScript(c.profile, urls, 'efi'), c.expect);
  });
}

test('profile script: kernel URLs come from the ScriptUrls given', () => {
  const profile: Profile = { name: 'remote', kind: 'kernel', kernel: 'http://mirror.invalid/linux', initrds: ['http://mirror.invalid/initrd.gz'], createdAt: at };
  const remote: ScriptUrls = { asset: (p, w) => (w === 'kernel' ? p.kernel! : p.initrds![w]!), profileScript: () => 'unused' };
  assert.equal(
    renderProfileScript(profile, remote, 'pcbios'),
    script(
      '#!ipxe',
      'echo Bramble: booting remote',
      'kernel http://mirror.invalid/linux initrd=initrd0.gz || goto failed',
      'initrd --name initrd0.gz http://mirror.invalid/initrd.gz || goto failed',
      'boot || goto failed',
    ),
  );
});

test('profile script: chain', () => {
  const profile: Profile = { name: 'netboot', kind: 'chain', chain: 'https://boot.netboot.xyz/ipxe/netboot.xyz.efi', createdAt: at };
  assert.equal(
    renderProfileScript(profile, urls, 'efi'),
    script('#!ipxe', 'echo Bramble: booting netboot', 'chain https://boot.netboot.xyz/ipxe/netboot.xyz.efi || goto failed'),
  );
});

const localCases: readonly { platform: string | null; lines: string[] }[] = [
  // UEFI: leaving iPXE with an error makes the firmware try its next boot option (the disk).
  { platform: 'efi', lines: ['echo Bramble: booting from local disk', 'exit 1'] },
  // BIOS: boot the first hard disk explicitly.
  { platform: 'pcbios', lines: ['echo Bramble: booting from local disk', 'sanboot --no-describe --drive 0x80 || exit 1'] },
  { platform: null, lines: ['echo Bramble: booting from local disk', 'sanboot --no-describe --drive 0x80 || exit 1'] },
];

for (const c of localCases) {
  test(`profile script: local disk on platform ${c.platform}`, () => {
    const profile: Profile = { name: 'disk', kind: 'local-disk', createdAt: at };
    assert.equal(renderProfileScript(profile, urls, c.platform), script('#!ipxe', 'echo Bramble: booting disk', ...c.lines));
  });
}

const scriptCases: readonly { name: string; body: string; expect: string }[] = [
  { name: 'without #!ipxe gets one', body: 'echo hi\nshell\n', expect: '#!ipxe\necho hi\nshell\n' },
  { name: 'with #!ipxe keeps exactly one', body: '#!ipxe\necho hi\nshell\n', expect: '#!ipxe\necho hi\nshell\n' },
  { name: 'with #!ipxe and CRLF keeps exactly one', body: '#!ipxe\r\necho hi\r\n', expect: '#!ipxe\necho hi\n' },
  { name: 'a later #!ipxe line is body, not header', body: 'echo a\n#!ipxe\necho b', expect: '#!ipxe\necho a\n#!ipxe\necho b\n' },
  { name: 'trailing blank lines are trimmed', body: 'chain http://x.invalid/a\n\n\n', expect: '#!ipxe\nchain http://x.invalid/a\n' },
  { name: 'a header-only script is empty', body: '#!ipxe', expect: '#!ipxe\n\n' },
];

for (const c of scriptCases) {
  test(`profile script: script kind ${c.name}`, () => {
    const profile: Profile = { name: 'custom', kind: 'script', script: c.body, createdAt: at };
    assert.equal(renderProfileScript(profile, urls, 'efi'), c.expect);
  });
}

const debian: Profile = { name: 'debian', kind: 'kernel', kernel: '/d/linux', description: 'Debian 12 installer', createdAt: at };
const memtest: Profile = { name: 'memtest', kind: 'chain', chain: 'http://x.invalid/m', createdAt: at };
const options: MenuOptions = { title: 'Bramble network boot', timeoutSeconds: 10, defaultEntry: 'memtest', platform: 'efi' };

test('menu: golden output for two profiles on UEFI', () => {
  assert.equal(
    renderMenu([debian, memtest], urls, options),
    [
      '#!ipxe',
      ':menu',
      'menu Bramble network boot',
      'item --gap Profiles',
      'item p0 debian - Debian 12 installer',
      'item p1 memtest',
      'item --gap Other',
      'item local Boot from local disk',
      'item shell iPXE shell',
      'item reboot Reboot',
      'choose --timeout 10000 --default p1 selected || goto menu',
      'goto ${selected}',
      ':p0',
      'chain http://192.168.1.5/boot.ipxe?profile=debian&mac=52:54:00:12:34:56 || goto menu',
      ':p1',
      'chain http://192.168.1.5/boot.ipxe?profile=memtest&mac=52:54:00:12:34:56 || goto menu',
      ':local',
      'echo Bramble: booting from local disk',
      'exit 1',
      ':shell',
      'shell',
      'goto menu',
      ':reboot',
      'reboot',
      '',
    ].join('\n'),
  );
});

test('menu: golden output with no profiles on BIOS', () => {
  assert.equal(
    renderMenu([], urls, { title: 'Lab', timeoutSeconds: 3, defaultEntry: 'local', platform: 'pcbios' }),
    [
      '#!ipxe',
      ':menu',
      'menu Lab',
      'item --gap Profiles',
      'item --gap Other',
      'item local Boot from local disk',
      'item shell iPXE shell',
      'item reboot Reboot',
      'choose --timeout 3000 --default local selected || goto menu',
      'goto ${selected}',
      ':local',
      'echo Bramble: booting from local disk',
      'sanboot --no-describe --drive 0x80 || exit 1',
      ':shell',
      'shell',
      'goto menu',
      ':reboot',
      'reboot',
      '',
    ].join('\n'),
  );
});

const chooseLine = (menu: string): string => menu.split('\n').find((l) => l.startsWith('choose '))!;

const defaults: readonly { entry: string; timeout: number; expect: string }[] = [
  { entry: 'debian', timeout: 10, expect: 'choose --timeout 10000 --default p0 selected || goto menu' },
  { entry: 'memtest', timeout: 0, expect: 'choose --timeout 0 --default p1 selected || goto menu' },
  { entry: 'local', timeout: 5, expect: 'choose --timeout 5000 --default local selected || goto menu' },
  { entry: 'shell', timeout: 5, expect: 'choose --timeout 5000 --default shell selected || goto menu' },
  { entry: 'reboot', timeout: 3600, expect: 'choose --timeout 3600000 --default reboot selected || goto menu' },
  { entry: 'deleted-profile', timeout: 10, expect: 'choose --timeout 10000 --default local selected || goto menu' },
  { entry: 'Debian', timeout: 10, expect: 'choose --timeout 10000 --default local selected || goto menu' },
  { entry: 'debian', timeout: 1.5, expect: 'choose --timeout 1500 --default p0 selected || goto menu' },
  { entry: 'debian', timeout: -3, expect: 'choose --timeout 0 --default p0 selected || goto menu' },
];

for (const d of defaults) {
  test(`menu: default ${JSON.stringify(d.entry)} after ${d.timeout} s`, () => {
    assert.equal(chooseLine(renderMenu([debian, memtest], urls, { ...options, defaultEntry: d.entry, timeoutSeconds: d.timeout })), d.expect);
  });
}

test('menu: newlines in the title, names and descriptions cannot start new commands', () => {
  const evil: Profile = { name: 'evil\nshell', kind: 'chain', chain: 'http://x.invalid/e', description: 'line one\r\nreboot\rexit', createdAt: at };
  const menu = renderMenu([evil], urls, { ...options, title: 'Lab\nshell', defaultEntry: 'local' });
  const lines = menu.split('\n');
  assert.ok(lines.includes('menu Lab shell'), menu);
  assert.ok(lines.includes('item p0 evil shell - line one reboot exit'), menu);
  // Only the menu's own shell/reboot/exit commands stand alone on a line.
  assert.deepEqual(lines.filter((l) => l === 'shell'), ['shell']);
  assert.deepEqual(lines.filter((l) => l === 'reboot'), ['reboot']);
  assert.equal(lines.filter((l) => /^exit\b/.test(l)).length, 1);
  assert.equal(lines.length, 23);
});

test('menu: iPXE operator and comment tokens in menu text are defused', () => {
  const p: Profile = { name: 'ubuntu', kind: 'chain', chain: 'http://x.invalid/u', description: 'Ubuntu ; shell && reboot || exit #1 choice', createdAt: at };
  const menu = renderMenu([p], urls, { ...options, title: 'Lab ; shell', defaultEntry: 'local' });
  const lines = menu.split('\n');
  assert.ok(lines.includes('menu Lab ${}; shell'), menu);
  assert.ok(lines.includes('item p0 ubuntu - Ubuntu ${}; shell ${}&& reboot ${}|| exit ${}#1 choice'), menu);
});

test('menu: labels follow profile order, not names', () => {
  const menu = renderMenu([memtest, debian], urls, { ...options, defaultEntry: 'debian' });
  assert.ok(menu.includes('item p0 memtest\nitem p1 debian - Debian 12 installer\n'), menu);
  assert.equal(chooseLine(menu), 'choose --timeout 10000 --default p1 selected || goto menu');
  assert.ok(menu.includes(':p0\nchain http://192.168.1.5/boot.ipxe?profile=memtest&mac=52:54:00:12:34:56 || goto menu\n:p1\n'), menu);
});

test('a kernel profile with an agent handout puts its script URL, facts URL and one-boot token on the command line, after the profile cmdline', () => {
  const profile: Profile = { name: 'debian', kind: 'kernel', kernel: '/srv/d/linux', cmdline: 'console=ttyS0', createdAt: at };
  const agent = { scriptUrl: `${base}/agent/bramble-agent.sh`, factsUrl: `${base}/agent/facts`, token: 'tok_abc-123' };
  assert.equal(
    renderProfileScript(profile, urls, null, agent),
    script(
      '#!ipxe',
      'echo Bramble: booting debian',
      `kernel http://192.168.1.5/files/profile/debian/kernel/linux console=ttyS0 bramble.agent=${base}/agent/bramble-agent.sh bramble.facts=${base}/agent/facts bramble.token=tok_abc-123 || goto failed`,
      'boot || goto failed',
    ),
  );
  // Other kinds have no kernel command line to carry it.
  const chain: Profile = { name: 'x', kind: 'chain', chain: 'http://198.18.0.9/x.ipxe', createdAt: at };
  assert.equal(renderProfileScript(chain, urls, null, agent), renderProfileScript(chain, urls, null));
});

const sanProfile: Profile = { name: 'win-san', kind: 'iscsi-sanboot', iscsiImage: 'win11', createdAt: at };
const sanDisk = { server: '192.168.1.5', port: 3260, iqn: 'iqn.2026-11.org.bramble:m.win11', initiatorIqn: 'iqn.2026-11.org.bramble.initiator:m', chapUser: 'm.win11', chapSecret: 'Init-secret_16ch' };
const sanCases: readonly { name: string; san: Parameters<typeof renderProfileScript>[5]; expect: string }[] = [
  {
    name: 'one-way CHAP: no reverse settings',
    san: sanDisk,
    expect: script(
      '#!ipxe', 'echo Bramble: booting win-san', 'set initiator-iqn iqn.2026-11.org.bramble.initiator:m', 'set username m.win11', 'set password Init-secret_16ch',
      'sanboot iscsi:192.168.1.5::3260:0:iqn.2026-11.org.bramble:m.win11 || goto failed',
    ),
  },
  {
    name: 'mutual CHAP: reverse-username and reverse-password before sanboot',
    san: { ...sanDisk, targetUser: 'm.win11.target', targetSecret: 'Targ-secret_16ch' },
    expect: script(
      '#!ipxe', 'echo Bramble: booting win-san', 'set initiator-iqn iqn.2026-11.org.bramble.initiator:m', 'set username m.win11', 'set password Init-secret_16ch',
      'set reverse-username m.win11.target', 'set reverse-password Targ-secret_16ch',
      'sanboot iscsi:192.168.1.5::3260:0:iqn.2026-11.org.bramble:m.win11 || goto failed',
    ),
  },
];
for (const c of sanCases) {
  test(`profile script: SAN boot, ${c.name}`, () => assert.equal(renderProfileScript(sanProfile, urls, 'pcbios', undefined, [], c.san), c.expect));
}

test('profile script: SAN boot refuses a target secret iPXE could read another way', () => {
  const out = renderProfileScript(sanProfile, urls, 'pcbios', undefined, [], { ...sanDisk, targetUser: 'm.win11.target', targetSecret: 'two words' });
  assert.match(out, /win-san: no iSCSI disk to boot/);
  assert.doesNotMatch(out, /two words|sanboot iscsi/);
});
