// Machine, power, wake, ssh-key and token commands with no server running: the CLI opens the store itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './support/run-cli.js';

async function dataDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-cli-machines-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Listed {
  mac: string;
  name?: string;
  tags?: string[];
  state: string;
  profile?: string;
  bootOnce?: string;
  power?: Record<string, unknown>;
}

test('machines: add, list by tag, show, rename, tag, assign, set and remove, by MAC or by name', async (t) => {
  const data = await dataDir(t);
  const m = (...args: string[]) => cli(['machine', ...args, '--data-dir', data]);
  const listed = async (...args: string[]) => JSON.parse((await m('ls', '--json', ...args)).out) as Listed[];

  let r = await m('ls');
  assert.equal(r.code, 0);
  assert.match(r.out, /no machines yet/);
  r = await m('add', '52-54-00-AA-BB-01', '--name', 'nuc', '--tag', 'lab', '--tag', 'k3s');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'machine 52:54:00:aa:bb:01 added as nuc\n');
  r = await m('add', '525400aabb02');
  assert.equal(r.code, 0, r.err);
  r = await m('add', '52:54:00:aa:bb:01');
  assert.equal(r.code, 1);
  assert.match(r.err, /already known/);
  r = await m('add', 'not-a-mac');
  assert.equal(r.code, 1);
  assert.match(r.err, /is not a MAC address/);
  r = await m('add', '52:54:00:aa:bb:03', '--tag', 'rack 2');
  assert.equal(r.code, 1);
  assert.match(r.err, /tags\[0\]: a tag is/);

  r = await m('ls');
  assert.match(r.out, /^MAC\s+NAME\s+STATE\s+TAGS\s/);
  assert.match(r.out, /^52:54:00:aa:bb:01\s+nuc\s+discovered\s+lab,k3s\s/m);
  assert.deepEqual((await listed('--tag', 'k3s')).map((x) => x.mac), ['52:54:00:aa:bb:01']);
  r = await m('ls', '--tag', 'rack-9');
  assert.match(r.out, /no machine is tagged rack-9/);

  r = await m('rename', '52:54:00:aa:bb:02', 'pi');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'machine 52:54:00:aa:bb:02 is now named pi\n');
  r = await m('tag', 'pi', 'lab', 'arm');
  assert.equal(r.out, 'machine 52:54:00:aa:bb:02 tags: lab, arm\n');
  r = await m('tag', 'nuc', 'k3s', '--remove');
  assert.equal(r.out, 'machine 52:54:00:aa:bb:01 tags: lab\n');
  r = await m('tag', 'nuc', 'lab', '--remove');
  assert.equal(r.out, 'machine 52:54:00:aa:bb:01 tags: none\n');
  assert.equal((await listed()).find((x) => x.name === 'nuc')!.tags, undefined);
  assert.deepEqual((await listed('--tag', 'lab')).map((x) => x.name), ['pi']);

  assert.equal((await cli(['profile', 'add', 'disk', '--local-disk', '--data-dir', data])).code, 0);
  assert.equal((await cli(['profile', 'add', 'memtest', '--chain', 'http://198.18.0.1/memtest', '--data-dir', data])).code, 0);
  r = await m('assign', 'nuc', 'disk');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'machine 52:54:00:aa:bb:01 boots: disk\n');
  r = await m('assign', 'nuc', 'memtest', '--once');
  assert.equal(r.out, 'machine 52:54:00:aa:bb:01 boots: memtest (once), then disk\n');
  r = await m('assign', 'nuc', 'nope');
  assert.equal(r.code, 1);
  assert.match(r.err, /profile: no profile named "nope"/);
  r = await m('show', 'nuc');
  assert.match(r.out, /^profile: disk$/m);
  assert.match(r.out, /^bootOnce: memtest$/m);
  assert.match(r.out, /^state: ready$/m);
  r = await m('assign', 'nuc', '--none', '--once');
  assert.equal(r.out, 'machine 52:54:00:aa:bb:01 boots: disk\n');
  r = await m('assign', '52-54-00-AA-BB-01', '--none');
  assert.match(r.out, /boots: the default/);
  const nuc = (await listed()).find((x) => x.name === 'nuc')!;
  assert.equal(nuc.profile, undefined);
  assert.equal(nuc.bootOnce, undefined);

  // The older `machine set` keeps working, now also with a name.
  r = await m('set', 'pi', '--address', '198.18.0.7');
  assert.equal(r.code, 0, r.err);
  r = await m('show', 'pi', '--json');
  assert.equal((JSON.parse(r.out) as { reservedAddress: string }).reservedAddress, '198.18.0.7');

  // A second machine named nuc makes the name ambiguous; its MAC still works.
  r = await m('rename', 'pi', 'nuc');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /52:54:00:aa:bb:01 is also named nuc; refer to these machines by MAC/);
  r = await m('show', 'nuc');
  assert.equal(r.code, 1);
  assert.match(r.err, /"nuc" names 2 machines \(52:54:00:aa:bb:01, 52:54:00:aa:bb:02\): give the MAC/);
  r = await m('rename', '52:54:00:aa:bb:02', '');
  assert.equal(r.out, 'machine 52:54:00:aa:bb:02 has no name now\n');

  r = await m('rm', 'nuc');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'machine 52:54:00:aa:bb:01 removed\n');
  r = await m('rm', 'nuc');
  assert.equal(r.code, 1);
  assert.match(r.err, /no machine named "nuc"/);
  r = await m('rm', '52:54:00:aa:bb:01');
  assert.equal(r.code, 1);
  assert.match(r.err, /no machine 52:54:00:aa:bb:01/);
  assert.deepEqual((await listed()).map((x) => x.mac), ['52:54:00:aa:bb:02']);
});

test('power settings: stored through the drivers\' parsers, secrets masked, kept when other settings change', async (t) => {
  const data = await dataDir(t);
  const m = (...args: string[]) => cli(['machine', ...args, '--data-dir', data]);
  assert.equal((await m('add', '52:54:00:aa:bb:01', '--name', 'nuc')).code, 0);

  let r = await m('power-setup', 'nuc', '--driver', 'tasmota', '--set', 'url=http://198.18.0.9', '--set', 'password=hunter2-secret', '--set', 'relay=2');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^machine 52:54:00:aa:bb:01 power: tasmota url=http:\/\/198\.18\.0\.9 user=admin password=\*{8} relay=2 /);
  assert.doesNotMatch(r.out + r.err, /hunter2/);
  assert.match(r.err, /warning: --set password=\.\.\. on the command line is visible to other users/);
  // From a file instead: no warning, and the file's password is the one stored (below).
  const secretFile = join(data, 'plug.pass');
  await writeFile(secretFile, 'from-a-file-7\n', { mode: 0o600 });
  r = await m('power-setup', 'nuc', '--driver', 'tasmota', '--set', `password=@${secretFile}`);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.doesNotMatch(r.out, /from-a-file/);
  r = await m('power-setup', 'nuc', '--driver', 'tasmota', '--set', 'relay=3', '--set', 'timeoutSeconds=9');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /password=\*{8} relay=3 .*timeoutSeconds=9/);
  const stored = JSON.parse(await readFile(join(data, 'bramble.json'), 'utf8')) as { machines: { power: Record<string, unknown> }[] };
  assert.deepEqual(stored.machines[0]!.power, {
    driver: 'tasmota',
    url: 'http://198.18.0.9',
    user: 'admin',
    password: 'from-a-file-7',
    relay: 3,
    cycleOffSeconds: 5,
    timeoutSeconds: 9,
  });
  r = await m('show', 'nuc');
  assert.match(r.out, /^power: tasmota url=http:\/\/198\.18\.0\.9 user=admin password=\*{8} relay=3/m);

  r = await m('power-setup', 'nuc', '--driver', 'tasmota', '--set', 'relay=99');
  assert.equal(r.code, 1);
  assert.match(r.err, /power\.relay: must be a whole number from 1 to 32/);
  r = await m('power-setup', 'nuc', '--driver', 'wol', '--set', 'port=8');
  assert.equal(r.code, 1);
  assert.match(r.err, /port: must be 9 or 7/);
  r = await m('power-setup', 'nuc', '--driver', 'wol', '--set', 'port=7');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /power: wol port=7 count=3$/m);
  r = await m('power-setup', '52:54:00:aa:bb:09', '--driver', 'manual');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /machine 52:54:00:aa:bb:09 power: manual/);
  r = await m('power-setup', 'nuc', '--none');
  assert.equal(r.out, 'machine 52:54:00:aa:bb:01 has no power settings now\n');
  r = await m('show', 'nuc', '--json');
  assert.equal((JSON.parse(r.out) as Listed).power, undefined);
});

test('usage errors: unknown actions, missing arguments, flags of other actions, bad flag values', async (t) => {
  const data = await dataDir(t);
  const cases: ReadonlyArray<readonly [string[], RegExp]> = [
    [['machine'], /Usage: bramble machine ls\|show\|add\|rm\|rename\|tag\|assign\|set\|power-setup/],
    [['machine', 'frob'], /Usage: bramble machine ls\|show/],
    [['machine', 'show'], /Usage: bramble machine show MACHINE/],
    [['machine', 'show', 'a', 'b'], /Usage: bramble machine show MACHINE/],
    [['machine', 'add'], /Usage: bramble machine add MAC/],
    [['machine', 'rename', 'nuc'], /Usage: bramble machine rename MACHINE NEW-NAME/],
    [['machine', 'tag', 'nuc'], /Usage: bramble machine tag MACHINE TAG/],
    [['machine', 'assign', 'nuc'], /Usage: bramble machine assign MACHINE \(PROFILE \| --none\)/],
    [['machine', 'assign', 'nuc', 'disk', '--none'], /Usage: bramble machine assign/],
    [['machine', 'set', 'nuc'], /Usage: bramble machine set MACHINE/],
    [['machine', 'ls', '--once'], /--once is not an option of this command/],
    [['machine', 'ls', '--tag', 'a', '--tag', 'b'], /Usage: bramble machine ls \[--tag TAG\]/],
    [['machine', 'ls', '--bogus'], /Unknown option '--bogus'/],
    [['machine', 'power-setup', 'nuc'], /--driver: one of wol, tasmota, shelly, webhook, ssh, manual is needed/],
    [['machine', 'power-setup', 'nuc', '--driver', 'ipmi'], /--driver: one of wol/],
    [['machine', 'power-setup', 'nuc', '--driver', 'wol', '--set', 'port'], /--set "port": expected key=value/],
    [['machine', 'power-setup', 'nuc', '--none', '--driver', 'wol'], /Usage: bramble machine power-setup/],
    [['power'], /Usage: bramble power on\|off\|cycle\|status MACHINE/],
    [['power', 'reboot', 'nuc'], /Usage: bramble power on\|off\|cycle\|status MACHINE/],
    [['power', 'on'], /Usage: bramble power/],
    [['power', 'on', 'a', 'b'], /Usage: bramble power/],
    [['wake'], /Usage: bramble wake MACHINE/],
    [['wake', '52:54:00:aa:bb:01', '--port', '8'], /--port: must be 9 \(the usual\) or 7/],
    [['wake', '52:54:00:aa:bb:01', '--count', '0'], /--count: must be a whole number from 1 to 10/],
    [['wake', '52:54:00:aa:bb:01', '--count', '11'], /--count: must be a whole number from 1 to 10/],
    [['ssh-key', 'extra'], /Usage: bramble ssh-key/],
    [['token'], /Usage: bramble token create NAME \| ls \[--json\] \| rm ID/],
    [['token', 'create'], /Usage: bramble token/],
    [['token', 'rm'], /Usage: bramble token/],
  ];
  for (const [args, pattern] of cases) {
    await t.test(args.join(' '), async () => {
      const r = await cli([...args, '--data-dir', data]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, pattern);
      assert.equal(r.out, '');
    });
  }
});

test('power, wake and ssh-key with no server say to start bramble serve; names are resolved first', async (t) => {
  const data = await dataDir(t);
  assert.equal((await cli(['machine', 'add', '52:54:00:aa:bb:01', '--name', 'nuc', '--data-dir', data])).code, 0);
  assert.equal((await cli(['machine', 'add', '52:54:00:aa:bb:02', '--name', 'twin', '--data-dir', data])).code, 0);
  assert.equal((await cli(['machine', 'add', '52:54:00:aa:bb:03', '--name', 'twin', '--data-dir', data])).code, 0);
  const noServer = /: no server runs on this data folder, start bramble serve first\n$/;
  const cases: ReadonlyArray<readonly [string[], RegExp]> = [
    [['power', 'on', 'nuc'], noServer],
    [['power', 'status', '52-54-00-AA-BB-01'], noServer],
    [['power', 'off', 'desktop'], /^bramble power: no machine named "desktop"/],
    [['power', 'cycle', 'twin'], /^bramble power: "twin" names 2 machines/],
    [['wake', '52:54:00:12:34:56'], noServer],
    [['wake', 'nuc', '--secure-on', 'aa:bb:cc:dd'], noServer],
    [['wake', 'NUC'], /^bramble wake: no machine named "NUC"; names match exactly, did you mean "nuc"\?/],
    [['ssh-key'], noServer],
  ];
  for (const [args, pattern] of cases) {
    await t.test(args.join(' '), async () => {
      const r = await cli([...args, '--data-dir', data]);
      assert.equal(r.code, 1);
      assert.match(r.err, pattern);
      assert.equal(r.out, '');
    });
  }
});

test('tokens: made with the secret shown once, listed without it, revoked', async (t) => {
  const data = await dataDir(t);
  let r = await cli(['token', 'ls', '--data-dir', data]);
  assert.match(r.out, /no tokens yet/);
  r = await cli(['token', 'create', 'ci runner', '--data-dir', data]);
  assert.equal(r.code, 0, r.err);
  const token = r.out.trim();
  const match = /^brt_([A-Za-z0-9]+)_\S+$/.exec(token);
  assert.ok(match, `token ${token}`);
  const id = match[1]!;
  assert.match(r.err, new RegExp(`token ${id} \\(ci runner\\) made; this is the only time it is shown`));
  r = await cli(['token', 'create', 'bad/name', '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.match(r.err, /name: 1 to 64 letters/);

  r = await cli(['token', 'ls', '--data-dir', data]);
  assert.match(r.out, new RegExp(`^${id}\\s+ci runner\\s+admin\\s+\\S+\\s+never$`, 'm'));
  // The secret is everything after brt_<id>_: base64url, so it may hold '_' itself.
  const secret = token.slice(`brt_${id}_`.length);
  assert.equal(secret.length, 43);
  assert.ok(!r.out.includes(secret), 'the secret is not listed');
  r = await cli(['token', 'ls', '--json', '--data-dir', data]);
  assert.deepEqual((JSON.parse(r.out) as { id: string }[]).map((x) => x.id), [id]);
  r = await cli(['token', 'rm', id, '--data-dir', data]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `token ${id} revoked\n`);
  r = await cli(['token', 'rm', id, '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`no token ${id}`));
});

test('help lists the new commands', async () => {
  const r = await cli(['--help']);
  for (const line of [/machine power-setup MACHINE --driver/, /power on\|off\|cycle\|status MACHINE/, /wake MACHINE/, /ssh-key/, /token create NAME/, /tag MACHINE TAG\.\.\. \[--remove\]/]) {
    assert.match(r.out, line);
  }
});
