// The ssh power driver: soft off (`systemctl poweroff`) and reboot of a running machine over OpenSSH (ssh(1), ssh_config(5)); facts/power.md.
//
// It cannot switch a machine on: a machine that is off runs no SSH server.
//
// Status: 'on' when the machine's sshd accepts Bramble's key and runs `true`, since only a running system does
// that. When SSH does not answer (refused, no route, timed out) the state is 'unknown', not 'off': a machine
// that is booting, running an installer or another system from the boot menu, or whose sshd is stopped, is on
// and silent on port 22 all the same. A refused key stays a failure (AUTH_FAILED): the user has to act on it.
//
// Host keys are trusted on first use (StrictHostKeyChecking=accept-new) into a known_hosts file in the data
// folder: the first contact records the key, and a changed key later fails as AUTH_FAILED with the command that
// removes the old entry (expected after a reinstall, which is what Bramble is for).
//
// A drop after the command is not a failure: `systemctl poweroff` often takes sshd down before the exit status
// is sent, and ssh then exits 255 just as it does when it never got in. The two are told apart by ssh's own
// debug log (-vv): "exec request accepted on channel N" means the server started the command; "Exit status N"
// with N >= 0 means the command's own status arrived. Accepted without a status is the drop a shutdown causes.
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import type { PowerAction, PowerDriver, PowerFailureCode, PowerResult } from './driver.js';

export interface SshSettings {
  readonly host: string;
  readonly user: string;
  readonly port: number;
  /** Replaces `systemctl poweroff`, e.g. `sudo -n systemctl poweroff` for a user without polkit rights. */
  readonly offCommand?: string;
  readonly cycleCommand?: string;
}

export type SshSettingsCheck =
  | { readonly ok: true; readonly settings: SshSettings }
  | { readonly ok: false; readonly field: string; readonly error: string };

export const defaultSshCommands = {
  off: 'systemctl poweroff',
  cycle: 'systemctl reboot',
  // Run by status. A key restricted with command="..." in authorized_keys would run that instead, so such a
  // wrapper must look at $SSH_ORIGINAL_COMMAND.
  status: 'true',
} as const;

const settingNames = ['host', 'user', 'port', 'offCommand', 'cycleCommand'] as const;
const hostnamePattern = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// POSIX-portable login names; a leading dash could pass for an ssh option.
const userPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

export function parseSshSettings(input: unknown): SshSettingsCheck {
  const bad = (field: string, error: string): SshSettingsCheck => ({ ok: false, field, error });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return bad('settings', 'must be an object');
  const record = input as Record<string, unknown>;
  // A misspelt "comand" must not pass unnoticed; driver/kind name the driver when the caller keeps them in.
  for (const key of Object.keys(record)) {
    if (key === 'driver' || key === 'kind') {
      if (record[key] !== 'ssh') return bad(key, 'must be "ssh" for these settings');
    } else if (!(settingNames as readonly string[]).includes(key)) {
      return bad(key, `is not an ssh power setting (known: ${settingNames.join(', ')})`);
    }
  }
  const { host, user, port, offCommand, cycleCommand } = record;
  if (typeof host !== 'string' || (isIP(host) === 0 && !hostnamePattern.test(host))) {
    return bad('host', 'must be a host name or an IP address');
  }
  if (typeof user !== 'string' || !userPattern.test(user)) {
    return bad('user', 'must be a login name: letters, digits, dot, dash or underscore, not starting with a digit or dash');
  }
  const portNumber = port === undefined ? 22 : typeof port === 'string' && /^\d{1,5}$/.test(port) ? Number(port) : port;
  if (typeof portNumber !== 'number' || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    return bad('port', 'must be a whole number from 1 to 65535');
  }
  const commands: { offCommand?: string; cycleCommand?: string } = {};
  for (const [field, value] of [
    ['offCommand', offCommand],
    ['cycleCommand', cycleCommand],
  ] as const) {
    if (value === undefined) continue;
    // Control characters could end the command line early or hide part of it in logs.
    if (typeof value !== 'string' || value.trim() === '' || value.length > 1000 || /[\x00-\x1f\x7f]/.test(value)) {
      return bad(field, 'must be one line of text (the command the machine runs)');
    }
    commands[field] = value;
  }
  return { ok: true, settings: { host, user, port: portNumber, ...commands } };
}

export interface SshDriverDeps {
  /** Bramble's private key (see ssh-key.ts). */
  readonly identityFile: string;
  readonly knownHostsFile: string;
  /** The ssh client; 'ssh' from PATH unless given. */
  readonly ssh?: string;
  /** For TCP connect plus the SSH handshake; keep it below the power service's own timeout. */
  readonly connectTimeoutSeconds?: number;
}

export function sshCommandFor(settings: SshSettings, action: 'off' | 'cycle' | 'status'): string {
  if (action === 'off') return settings.offCommand ?? defaultSshCommands.off;
  if (action === 'cycle') return settings.cycleCommand ?? defaultSshCommands.cycle;
  return defaultSshCommands.status;
}

/** ssh's argument list: everything on the command line, no configuration files read. */
export function sshArgs(settings: SshSettings, deps: SshDriverDeps, command: string): string[] {
  return [
    // -F none: neither ~/.ssh/config nor /etc/ssh/ssh_config (Debian's sets HashKnownHosts, GSSAPI, SendEnv).
    '-F', 'none',
    // -vv for the markers in sshOutcome; -n and -T: no stdin, no terminal.
    '-vv', '-n', '-T',
    // Not -i: ssh checks -i's path before undoing the %% escape, so a path with % in it would be dropped.
    '-o', `IdentityFile="${tokenSafe(deps.identityFile)}"`,
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', `ConnectTimeout=${deps.connectTimeoutSeconds ?? 5}`,
    // A machine that powers off mid-session may vanish without closing TCP; notice within ~15 s.
    '-o', 'ServerAliveInterval=5',
    '-o', 'ServerAliveCountMax=2',
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', `UserKnownHostsFile="${tokenSafe(deps.knownHostsFile)}"`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-p', String(settings.port),
    '-l', settings.user,
    '--', settings.host, command,
  ];
}

// ssh expands %-tokens in file options and splits option values on spaces unless quoted.
function tokenSafe(path: string): string {
  return path.replace(/%/g, '%%');
}

/** What one ssh run left behind, as sshOutcome needs it. */
export interface SshRun {
  /** ssh's exit code; null when it was killed. */
  readonly exitCode: number | null;
  /** The power service's signal aborted the run. */
  readonly aborted: boolean;
  readonly stderr: string;
  /** A Node error code when ssh could not be started or was stopped (ENOENT, maxBuffer). */
  readonly spawnError?: string;
}

export interface SshRequest {
  readonly action: 'off' | 'cycle' | 'status';
  readonly settings: SshSettings;
  readonly command: string;
  readonly knownHostsFile: string;
}

const acceptedLine = /^debug2: exec request accepted on channel \d+$/;
const exitStatusLine = /^debug1: Exit status (-?\d+)$/;
// ssh's own informational lines (printed unprefixed at -vv), not the remote command's or an error.
const chatter = /^(debug\d: |OpenSSH_|Authenticated to |Warning: Permanently added |Transferred: |Bytes per second: |Connection to \S+ closed)/;

/** Decides the driver's answer from an ssh run; pure, so every ssh message can be tested. */
export function sshOutcome(request: SshRequest, run: SshRun): PowerResult {
  const { action, settings, command } = request;
  const target = `${settings.user}@${settings.host}:${settings.port}`;
  const lines = run.stderr.split(/\r?\n/).map((l) => l.trimEnd());
  const acceptedAt = lines.findIndex((l) => acceptedLine.test(l));
  const said = (from: number, to: number): string[] => lines.slice(from, to).filter((l) => l.trim() !== '' && !chatter.test(l));

  // ssh keeps 255 for its own failures, so any other exit code is the remote command's.
  const remoteExit = run.exitCode !== null && run.exitCode !== 255 ? run.exitCode : undefined;
  if (remoteExit !== undefined || acceptedAt >= 0) {
    const statuses = lines.map((l) => exitStatusLine.exec(l)?.[1]).filter((s): s is string => s !== undefined);
    const status = remoteExit ?? Number(statuses.at(-1) ?? -1);
    if (action === 'status') return { ok: true, state: 'on', detail: `${target} answered over SSH` };
    if (status === 0) return { ok: true, state: 'unknown', detail: `\`${command}\` run by ${target} (exit status 0)` };
    if (status > 0) {
      const remote = said(acceptedAt + 1, lines.length).at(-1);
      const why = remote === undefined ? '' : `: ${clip(remote)}`;
      return failure('BAD_RESPONSE', `\`${command}\` failed on ${target} with exit status ${status}${why}`);
    }
    const after = run.aborted
      ? 'nothing more came before the deadline, as when a machine goes down without closing the connection'
      : 'the connection then dropped, as it does when the machine shuts down';
    return { ok: true, state: 'unknown', detail: `\`${command}\` accepted by ${target}; ${after}` };
  }

  if (run.aborted) return failure('TIMEOUT', `no answer over SSH from ${target} before the deadline`);
  if (run.spawnError === 'ENOENT') {
    return failure('UNREACHABLE', 'the ssh client is not installed on the Bramble host (Debian package openssh-client)');
  }
  const own = said(0, lines.length);
  const text = own.join('\n');
  const last = own.at(-1) ?? (run.spawnError !== undefined ? `ssh stopped (${run.spawnError})` : `ssh exit status ${run.exitCode}`);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(text)) {
    const name = settings.port === 22 ? settings.host : `[${settings.host}]:${settings.port}`;
    return failure(
      'AUTH_FAILED',
      `${settings.host}:${settings.port} showed a different host key from the one recorded on first contact ` +
        `(expected after a reinstall); to trust the new one, run: ssh-keygen -R '${name}' -f '${request.knownHostsFile}'`,
    );
  }
  if (/Permission denied/.test(text)) {
    return failure(
      'AUTH_FAILED',
      `${target} refused Bramble's SSH key (${clip(last)}); add Bramble's public key to ~${settings.user}/.ssh/authorized_keys there`,
    );
  }
  const unreachable = /Connection refused|No route to host|Network is unreachable|Could not resolve hostname/.test(text);
  const timedOut = !unreachable && /timed out|not responding/i.test(text);
  if (unreachable || timedOut) {
    if (action === 'status') {
      return { ok: true, state: 'unknown', detail: `no SSH answer from ${target} (${clip(last)}): it may be off, booting or running another system` };
    }
    return failure(unreachable ? 'UNREACHABLE' : 'TIMEOUT', `no SSH answer from ${target}: ${clip(last)}`);
  }
  return failure('BAD_RESPONSE', `ssh to ${target} failed: ${clip(last)}`);
}

function failure(code: PowerFailureCode, message: string): PowerResult {
  return { ok: false, code, message };
}

function clip(line: string): string {
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

export function sshDriver(settings: SshSettings, deps: SshDriverDeps): PowerDriver {
  const can: ReadonlySet<PowerAction> = new Set<PowerAction>(['off', 'cycle', 'status']);
  return {
    kind: 'ssh',
    can,
    async run(action, signal) {
      if (action === 'on') {
        return failure('UNSUPPORTED', 'ssh cannot switch a machine on (it runs no SSH server while off); use Wake-on-LAN or a smart plug');
      }
      const command = sshCommandFor(settings, action);
      const request: SshRequest = { action, settings, command, knownHostsFile: deps.knownHostsFile };
      if (signal.aborted) return sshOutcome(request, { exitCode: null, aborted: true, stderr: '' });
      return sshOutcome(request, await runSsh(deps.ssh ?? 'ssh', sshArgs(settings, deps, command), signal));
    },
  };
}

function runSsh(file: string, args: readonly string[], signal: AbortSignal): Promise<SshRun> {
  return new Promise((resolve) => {
    execFile(file, args, { signal, encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error === null) return resolve({ exitCode: 0, aborted: false, stderr });
      const code: unknown = error.code;
      resolve({
        exitCode: typeof code === 'number' ? code : null,
        aborted: signal.aborted,
        stderr,
        ...(typeof code === 'string' ? { spawnError: code } : {}),
      });
    });
  });
}
