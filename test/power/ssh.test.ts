// The ssh power driver: settings and outcome tables, Bramble's key pair, and runs against a real OpenSSH sshd on
// 127.0.0.1 whose ForceCommand records the command that arrived instead of running it (nothing powers off).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PowerResult } from '../../src/power/driver.js';
import { ensureSshKey, sshFiles } from '../../src/power/ssh-key.js';
import { parseSshSettings, sshDriver, sshOutcome } from '../../src/power/ssh.js';
import type { SshDriverDeps, SshRequest, SshRun, SshSettings } from '../../src/power/ssh.js';
import { startProcess } from '../support/managed-process.js';
import { findTool, requireRoot, requireTool } from '../support/require-tool.js';
import { runCommand, runCommandStatus } from '../support/run-command.js';
import { Teardown } from '../support/teardown.js';

test('parseSshSettings accepts host, user, port (default 22) and command overrides', () => {
  const cases: ReadonlyArray<readonly [unknown, SshSettings]> = [
    [{ host: 'nuc1.lan', user: 'root' }, { host: 'nuc1.lan', user: 'root', port: 22 }],
    [{ host: '198.18.0.7', user: 'admin', port: 2222 }, { host: '198.18.0.7', user: 'admin', port: 2222 }],
    [{ host: 'fe80::1', user: 'pi', port: '22' }, { host: 'fe80::1', user: 'pi', port: 22 }],
    [{ driver: 'ssh', host: 'pi5', user: 'pi' }, { host: 'pi5', user: 'pi', port: 22 }],
    [
      { host: 'node-3', user: 'ops', offCommand: 'sudo -n systemctl poweroff', cycleCommand: 'sudo -n systemctl reboot' },
      { host: 'node-3', user: 'ops', port: 22, offCommand: 'sudo -n systemctl poweroff', cycleCommand: 'sudo -n systemctl reboot' },
    ],
  ];
  for (const [input, settings] of cases) {
    assert.deepEqual(parseSshSettings(input), { ok: true, settings }, JSON.stringify(input));
  }
});

test('parseSshSettings names the field of bad input', () => {
  const cases: ReadonlyArray<readonly [unknown, string]> = [
    [null, 'settings'],
    ['root@nuc1', 'settings'],
    [[], 'settings'],
    [{ user: 'root' }, 'host'],
    [{ host: '', user: 'root' }, 'host'],
    [{ host: '-oProxyCommand=touch /tmp/x', user: 'root' }, 'host'],
    [{ host: 'nuc 1', user: 'root' }, 'host'],
    [{ host: 'root@nuc1', user: 'root' }, 'host'],
    [{ host: 'nuc1' }, 'user'],
    [{ host: 'nuc1', user: '-lroot' }, 'user'],
    [{ host: 'nuc1', user: 'ro ot' }, 'user'],
    [{ host: 'nuc1', user: 'root', port: 0 }, 'port'],
    [{ host: 'nuc1', user: 'root', port: 65536 }, 'port'],
    [{ host: 'nuc1', user: 'root', port: 22.5 }, 'port'],
    [{ host: 'nuc1', user: 'root', port: 'ssh' }, 'port'],
    [{ host: 'nuc1', user: 'root', offCommand: '' }, 'offCommand'],
    [{ host: 'nuc1', user: 'root', offCommand: 'systemctl poweroff\nrm -rf /' }, 'offCommand'],
    [{ host: 'nuc1', user: 'root', cycleCommand: 42 }, 'cycleCommand'],
    [{ host: 'nuc1', user: 'root', comand: 'reboot' }, 'comand'],
    [{ driver: 'wol', host: 'nuc1', user: 'root' }, 'driver'],
  ];
  for (const [input, field] of cases) {
    const check = parseSshSettings(input);
    assert.equal(check.ok, false, JSON.stringify(input));
    if (!check.ok) {
      assert.equal(check.field, field, JSON.stringify(input));
      assert.ok(check.error.length > 0);
    }
  }
});

// stderr excerpts as OpenSSH 9.2 prints them with -vv (captured from the runs below and by hand).
const accepted = 'debug1: Sending command: systemctl poweroff\ndebug2: channel 0: request exec confirm 1\ndebug2: exec request accepted on channel 0\n';
const hostKeyChanged = [
  '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
  '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
  'Offending ED25519 key in /data/ssh/known_hosts:1',
  'Host key for [198.18.0.7]:2222 has changed and you have requested strict checking.',
  'Host key verification failed.',
].join('\n');

test('sshOutcome maps what ssh reported to a power result', () => {
  const settings: SshSettings = { host: '198.18.0.7', user: 'root', port: 2222 };
  const request = (action: SshRequest['action'], command = 'systemctl poweroff'): SshRequest => ({
    action,
    settings,
    command,
    knownHostsFile: '/data/ssh/known_hosts',
  });
  const run = (exitCode: number | null, stderr: string, extra: Partial<SshRun> = {}): SshRun => ({ exitCode, aborted: false, stderr, ...extra });
  const cases: ReadonlyArray<readonly [string, SshRequest, SshRun, { ok: boolean; code?: string; state?: string; text: RegExp }]> = [
    ['command ran', request('off'), run(0, `${accepted}debug1: Exit status 0\n`), { ok: true, state: 'unknown', text: /exit status 0/ }],
    ['dropped after acceptance', request('off'), run(255, `${accepted}Connection to 198.18.0.7 closed by remote host.\ndebug1: Exit status -1\n`),
      { ok: true, state: 'unknown', text: /dropped/ }],
    ['silent after acceptance until the deadline', request('cycle', 'systemctl reboot'), run(null, accepted, { aborted: true }),
      { ok: true, state: 'unknown', text: /deadline/ }],
    ['remote command failed', request('off'), run(1, `${accepted}Failed to power off system via logind: Access denied\ndebug1: Exit status 1\n`),
      { ok: false, code: 'BAD_RESPONSE', text: /exit status 1: Failed to power off system via logind: Access denied/ }],
    ['remote command exited 255 itself', request('off'), run(255, `${accepted}debug1: Exit status 255\n`),
      { ok: false, code: 'BAD_RESPONSE', text: /exit status 255/ }],
    ['remote failure without debug markers', request('off'), run(3, 'oops\n'), { ok: false, code: 'BAD_RESPONSE', text: /exit status 3: oops/ }],
    ['key refused', request('off'), run(255, 'debug1: Offering public key: /d/id ED25519\nroot@198.18.0.7: Permission denied (publickey).\n'),
      { ok: false, code: 'AUTH_FAILED', text: /refused Bramble's SSH key .*authorized_keys/ }],
    ['host key changed', request('off'), run(255, hostKeyChanged),
      { ok: false, code: 'AUTH_FAILED', text: /ssh-keygen -R '\[198\.18\.0\.7\]:2222' -f '\/data\/ssh\/known_hosts'/ }],
    ['refused', request('off'), run(255, 'ssh: connect to host 198.18.0.7 port 2222: Connection refused\n'),
      { ok: false, code: 'UNREACHABLE', text: /Connection refused/ }],
    ['no route', request('cycle'), run(255, 'ssh: connect to host 198.18.0.7 port 2222: No route to host\n'),
      { ok: false, code: 'UNREACHABLE', text: /No route to host/ }],
    ['ssh ConnectTimeout', request('off'), run(255, 'Connection timed out during banner exchange\nConnection to 198.18.0.7 port 2222 timed out\n'),
      { ok: false, code: 'TIMEOUT', text: /timed out/ }],
    ['signal before any answer', request('off'), run(null, 'debug1: Connecting to 198.18.0.7 port 2222.\n', { aborted: true }),
      { ok: false, code: 'TIMEOUT', text: /before the deadline/ }],
    ['ssh missing', request('off'), run(null, '', { spawnError: 'ENOENT' }), { ok: false, code: 'UNREACHABLE', text: /openssh-client/ }],
    // A "Permission denied" in ssh's own debug lines is not a refused key.
    ['closed before the handshake', request('off'),
      run(255, 'debug1: load_hostkeys: fopen /etc/ssh/ssh_known_hosts: Permission denied\nkex_exchange_identification: Connection closed by remote host\n'),
      { ok: false, code: 'BAD_RESPONSE', text: /kex_exchange_identification/ }],
    ['status answered', request('status', 'true'), run(0, `${accepted}debug1: Exit status 0\n`), { ok: true, state: 'on', text: /answered/ }],
    ['status refused', request('status', 'true'), run(255, 'ssh: connect to host 198.18.0.7 port 2222: Connection refused\n'),
      { ok: true, state: 'unknown', text: /may be off, booting/ }],
    ['status timed out', request('status', 'true'), run(255, 'ssh: connect to host 198.18.0.7 port 2222: Connection timed out\n'),
      { ok: true, state: 'unknown', text: /Connection timed out/ }],
    ['status with a refused key', request('status', 'true'), run(255, 'root@198.18.0.7: Permission denied (publickey).\n'),
      { ok: false, code: 'AUTH_FAILED', text: /Permission denied/ }],
  ];
  for (const [name, req, sshRun, want] of cases) {
    const result = sshOutcome(req, sshRun);
    assert.equal(result.ok, want.ok, `${name}: ${JSON.stringify(result)}`);
    if (result.ok) {
      assert.equal(result.state, want.state, name);
      assert.match(result.detail, want.text, name);
    } else {
      assert.equal(result.code, want.code, name);
      assert.match(result.message, want.text, name);
    }
  }
});

test('the ssh driver declares off, cycle and status, and refuses on', async () => {
  const driver = sshDriver({ host: '127.0.0.1', user: 'root', port: 22 }, { identityFile: '/nonexistent', knownHostsFile: '/nonexistent' });
  assert.equal(driver.kind, 'ssh');
  assert.deepEqual([...driver.can].sort(), ['cycle', 'off', 'status']);
  const result = await driver.run('on', AbortSignal.timeout(5_000));
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.code, 'UNSUPPORTED');
});

test('the key pair is made once (0600 private key, bramble@host comment) and reused', async (t) => {
  if (!requireTool(t, 'ssh-keygen', 'openssh-client')) return;
  const dataDir = await mkdtemp(join(tmpdir(), 'bramble-key-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const files = sshFiles(dataDir);

  const [line, raced] = await Promise.all([ensureSshKey(dataDir, { hostname: 'pi4' }), ensureSshKey(dataDir, { hostname: 'pi4' })]);
  assert.match(line, /^ssh-ed25519 [A-Za-z0-9+/]+=* bramble@pi4$/);
  assert.equal(raced, line, 'two first calls at once share one key');
  assert.deepEqual((await readdir(files.dir)).sort(), ['id_ed25519', 'id_ed25519.pub'], 'no temporary files left');
  assert.equal((await stat(files.identityFile)).mode & 0o777, 0o600);
  assert.equal((await stat(files.dir)).mode & 0o777, 0o700);
  assert.equal(await readFile(files.publicKeyFile, 'utf8'), `${line}\n`);
  const made = await stat(files.identityFile);

  assert.equal(await ensureSshKey(dataDir, { hostname: 'other' }), line, 'reused, not remade');
  const again = await stat(files.identityFile);
  assert.equal(again.ino, made.ino);
  assert.equal(again.mtimeMs, made.mtimeMs);

  // A lost .pub is rewritten from the private key; a private key restored as 0644 (ssh would ignore it) is fixed.
  await rm(files.publicKeyFile);
  await chmod(files.identityFile, 0o644);
  assert.equal(await ensureSshKey(dataDir), line);
  assert.equal(await readFile(files.publicKeyFile, 'utf8'), `${line}\n`);
  assert.equal((await stat(files.identityFile)).mode & 0o777, 0o600);
});

interface Machine {
  readonly port: number;
  readonly commandsFile: string;
  /** Every command that reached the machine, in order. */
  commands(): Promise<string[]>;
}

interface MachineOptions {
  readonly authorizedKey: string;
  /** Kill the session right after recording, as a real poweroff takes sshd down before the exit status. */
  readonly drop?: boolean;
}

/** A machine stand-in: a real sshd on a free port whose every session only records $SSH_ORIGINAL_COMMAND. */
async function startMachine(teardown: Teardown, options: MachineOptions): Promise<Machine> {
  // sshd refuses to start without its privilege separation folder (Debian's unit makes it at boot).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'bramble-sshd-'));
  teardown.defer('remove the sshd folder', () => rm(dir, { recursive: true, force: true }));
  const hostKey = join(dir, 'host_key');
  await runCommand(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, `${options.authorizedKey}\n`);
  const commandsFile = join(dir, 'commands');
  const script = join(dir, 'remote-command.sh');
  // `exec` in ForceCommand makes sshd's session process the script's parent, so $PPID is what a poweroff kills.
  await writeFile(
    script,
    ['#!/bin/sh', 'printf \'%s\\n\' "$SSH_ORIGINAL_COMMAND" >> "$1"', 'if [ "$2" = drop ]; then kill -KILL "$PPID"; fi', ''].join('\n'),
    { mode: 0o755 },
  );
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      'PidFile none',
      `AuthorizedKeysFile ${authorizedKeys}`,
      // The files sit under /tmp, which is world-writable; StrictModes would refuse them.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'UseDNS no',
      `ForceCommand exec ${script} ${commandsFile} ${options.drop === true ? 'drop' : 'record'}`,
      '',
    ].join('\n'),
  );
  const sshd = startProcess([findTool('sshd')!, '-D', '-e', '-f', config], { label: 'sshd' });
  teardown.defer('stop sshd', () => sshd.stop());
  await sshd.waitFor(new RegExp(`Server listening on 127\\.0\\.0\\.1 port ${port}`), 10_000);
  return {
    port,
    commandsFile,
    commands: async () => (await readFile(commandsFile, 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Bramble {
  readonly publicKey: string;
  readonly deps: SshDriverDeps;
  readonly privateKey: string;
}

// The data folder's name has a space and a % in it: ssh would split or expand either if not passed carefully.
async function brambleKey(teardown: Teardown): Promise<Bramble> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bramble data %h-'));
  teardown.defer('remove the data folder', () => rm(dataDir, { recursive: true, force: true }));
  const publicKey = await ensureSshKey(dataDir, { hostname: 'bramble-test' });
  const files = sshFiles(dataDir);
  return {
    publicKey,
    deps: { identityFile: files.identityFile, knownHostsFile: files.knownHostsFile, connectTimeoutSeconds: 10 },
    privateKey: await readFile(files.identityFile, 'utf8'),
  };
}

/** The base64 body of the private key must never show up in what the driver says. */
function assertNoSecret(result: PowerResult, privateKey: string): void {
  const text = result.ok ? result.detail : result.message;
  for (const line of privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
    assert.ok(!text.includes(line), 'private key material in the result');
  }
}

interface SshCase {
  readonly teardown: Teardown;
  readonly bramble: Bramble;
  /** A machine that trusts Bramble's key unless told another. */
  machine(options?: Partial<MachineOptions>): Promise<Machine>;
}

/** Undefined (the test skipped) without root or OpenSSH; cleanup is registered on t. */
async function sshCase(t: TestContext): Promise<SshCase | undefined> {
  const ready =
    requireRoot(t) && requireTool(t, 'sshd', 'openssh-server') && requireTool(t, 'ssh', 'openssh-client') && requireTool(t, 'ssh-keygen', 'openssh-client');
  if (!ready) return undefined;
  const teardown = new Teardown();
  t.after(() => teardown.run());
  const bramble = await brambleKey(teardown);
  return { teardown, bramble, machine: (options = {}) => startMachine(teardown, { authorizedKey: bramble.publicKey, ...options }) };
}

const settingsFor = (port: number, extra: Partial<SshSettings> = {}): SshSettings => ({ host: '127.0.0.1', user: 'root', port, ...extra });

test('off runs `systemctl poweroff` on the machine, trusting its host key on first use', { timeout: 60_000 }, async (t) => {
  const c = await sshCase(t);
  if (c === undefined) return;
  const { bramble } = c;
  const machine = await c.machine();

  const result = await sshDriver(settingsFor(machine.port), bramble.deps).run('off', AbortSignal.timeout(30_000));
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(await machine.commands(), ['systemctl poweroff']);
  assertNoSecret(result, bramble.privateKey);
  const known = await runCommandStatus(['ssh-keygen', '-F', `[127.0.0.1]:${machine.port}`, '-f', bramble.deps.knownHostsFile]);
  assert.equal(known.code, 0, `host key recorded in known_hosts: ${known.stdout}${known.stderr}`);
});

test('cycle runs `systemctl reboot`, or the configured command; status runs `true` and says on', { timeout: 60_000 }, async (t) => {
  const c = await sshCase(t);
  if (c === undefined) return;
  const { bramble } = c;
  const machine = await c.machine();

  const plain = await sshDriver(settingsFor(machine.port), bramble.deps).run('cycle', AbortSignal.timeout(30_000));
  assert.equal(plain.ok, true, JSON.stringify(plain));
  const custom = sshDriver(settingsFor(machine.port, { cycleCommand: 'sudo -n systemctl reboot' }), bramble.deps);
  assert.equal((await custom.run('cycle', AbortSignal.timeout(30_000))).ok, true);
  const status = await custom.run('status', AbortSignal.timeout(30_000));
  assert.equal(status.ok && status.state, 'on', JSON.stringify(status));
  assert.deepEqual(await machine.commands(), ['systemctl reboot', 'sudo -n systemctl reboot', 'true']);
});

test('a poweroff that drops the connection after the command was accepted counts as done', { timeout: 60_000 }, async (t) => {
  const c = await sshCase(t);
  if (c === undefined) return;
  const { bramble } = c;
  const machine = await c.machine({ drop: true });

  const result = await sshDriver(settingsFor(machine.port), bramble.deps).run('off', AbortSignal.timeout(30_000));
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.match(result.ok ? result.detail : '', /accepted by root@127\.0\.0\.1:\d+; the connection then dropped/);
  assert.deepEqual(await machine.commands(), ['systemctl poweroff']);
});

test('a key the machine does not know is AUTH_FAILED, and nothing runs', { timeout: 60_000 }, async (t) => {
  const c = await sshCase(t);
  if (c === undefined) return;
  const { teardown, bramble } = c;
  const stranger = await brambleKey(teardown);
  const machine = await c.machine({ authorizedKey: stranger.publicKey });

  const result = await sshDriver(settingsFor(machine.port), bramble.deps).run('off', AbortSignal.timeout(30_000));
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.code, 'AUTH_FAILED');
  assert.match(!result.ok ? result.message : '', /Permission denied .*authorized_keys/);
  assertNoSecret(result, bramble.privateKey);
  assert.deepEqual(await machine.commands(), []);
});

test('a host key that changed since first contact is AUTH_FAILED with the command to forget it', { timeout: 60_000 }, async (t) => {
  const c = await sshCase(t);
  if (c === undefined) return;
  const { teardown, bramble } = c;
  const machine = await c.machine();
  // What the machine's host key looked like "before the reinstall": some other ed25519 key.
  const before = await brambleKey(teardown);
  await writeFile(bramble.deps.knownHostsFile, `[127.0.0.1]:${machine.port} ${before.publicKey}\n`);

  const result = await sshDriver(settingsFor(machine.port), bramble.deps).run('cycle', AbortSignal.timeout(30_000));
  assert.equal(!result.ok && result.code, 'AUTH_FAILED', JSON.stringify(result));
  assert.match(!result.ok ? result.message : '', new RegExp(`ssh-keygen -R '\\[127\\.0\\.0\\.1\\]:${machine.port}'`));
  assert.deepEqual(await machine.commands(), []);
});

test('nothing listening: off is UNREACHABLE, status is unknown (not off)', { timeout: 60_000 }, async (t) => {
  const c = await sshCase(t);
  if (c === undefined) return;
  const { teardown, bramble } = c;
  const driver = sshDriver(settingsFor(await freePort()), bramble.deps);

  const off = await driver.run('off', AbortSignal.timeout(30_000));
  assert.equal(!off.ok && off.code, 'UNREACHABLE', JSON.stringify(off));
  assert.match(!off.ok ? off.message : '', /Connection refused/);
  const status = await driver.run('status', AbortSignal.timeout(30_000));
  assert.equal(status.ok && status.state, 'unknown', JSON.stringify(status));
});

/** Accepts TCP and never says a word, like a hung machine whose kernel still answers SYNs. */
async function startSilentServer(teardown: Teardown): Promise<{ port: number; connections: () => number }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  teardown.defer('close the silent server', async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as { port: number }).port, connections: () => connections };
}

test('a server that accepts TCP but never speaks: TIMEOUT through the signal, or through ssh ConnectTimeout', { timeout: 60_000 }, async (t) => {
  const c = await sshCase(t);
  if (c === undefined) return;
  const { teardown, bramble } = c;
  const silent = await startSilentServer(teardown);

  // ConnectTimeout (30 s) is far beyond the signal, so the signal is what ends this run.
  const slow = sshDriver(settingsFor(silent.port), { ...bramble.deps, connectTimeoutSeconds: 30 });
  const bySignal = await slow.run('off', AbortSignal.timeout(1_500));
  assert.equal(!bySignal.ok && bySignal.code, 'TIMEOUT', JSON.stringify(bySignal));
  assert.match(!bySignal.ok ? bySignal.message : '', /before the deadline/);
  assert.equal(silent.connections(), 1, 'ssh connected and waited for the banner');

  const quick = sshDriver(settingsFor(silent.port), { ...bramble.deps, connectTimeoutSeconds: 1 });
  const byConnectTimeout = await quick.run('cycle', AbortSignal.timeout(30_000));
  assert.equal(!byConnectTimeout.ok && byConnectTimeout.code, 'TIMEOUT', JSON.stringify(byConnectTimeout));
  assert.match(!byConnectTimeout.ok ? byConnectTimeout.message : '', /timed out/);

  const aborted = AbortSignal.abort();
  const already = await quick.run('off', aborted);
  assert.equal(!already.ok && already.code, 'TIMEOUT');
  assert.equal(silent.connections(), 2, 'an already aborted run does not start ssh');
});
