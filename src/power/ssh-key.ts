// Bramble's own SSH key pair for the ssh power driver, made once by OpenSSH's ssh-keygen in <data>/ssh (ssh-keygen(1)).
//
// Why ssh-keygen and not node:crypto: ssh reads its own "openssh-key-v1" private-key format natively, and Node
// cannot write it; hand-encoding private key material is where a subtle bug costs the most. The driver needs the
// ssh client anyway, and Debian ships ssh-keygen in the same package (openssh-client).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface SshFiles {
  readonly dir: string;
  /** The private key; 0600, never read by Bramble itself (only ssh and ssh-keygen open it). */
  readonly identityFile: string;
  readonly publicKeyFile: string;
  /** Host keys learned on first contact with each machine (trust on first use). */
  readonly knownHostsFile: string;
}

export function sshFiles(dataDir: string): SshFiles {
  const dir = join(dataDir, 'ssh');
  return {
    dir,
    identityFile: join(dir, 'id_ed25519'),
    publicKeyFile: join(dir, 'id_ed25519.pub'),
    knownHostsFile: join(dir, 'known_hosts'),
  };
}

export type SshKeyErrorCode = 'SSH_KEYGEN_FAILED' | 'SSH_KEY_INVALID';

export class SshKeyError extends Error {
  readonly code: SshKeyErrorCode;

  constructor(code: SshKeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SshKeyError';
    this.code = code;
  }
}

export interface SshKeyOptions {
  /** Goes into the key's comment, bramble@<host>, so users can tell the key apart in authorized_keys. */
  readonly hostname?: string;
  readonly sshKeygen?: string;
}

/**
 * Makes the key pair unless it exists, and returns the public key line for the user's authorized_keys.
 * The line is always derived from the private key, so a lost or edited .pub file is rewritten to match it.
 */
export async function ensureSshKey(dataDir: string, options: SshKeyOptions = {}): Promise<string> {
  const files = sshFiles(dataDir);
  const keygen = options.sshKeygen ?? 'ssh-keygen';
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  await chmod(files.dir, 0o700);
  if (!(await exists(files.identityFile))) await generate(files, keygen, options.hostname ?? hostname());
  // ssh ignores (and ssh-keygen -y refuses) a private key that others can read; a restored backup may be 0644.
  await chmod(files.identityFile, 0o600);
  // -P '': a key someone protected with a passphrase fails here instead of prompting on a terminal.
  const line = (await keygenOutput(keygen, ['-y', '-P', '', '-f', files.identityFile])).trim();
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( \S+)?$/.test(line)) {
    throw new SshKeyError('SSH_KEY_INVALID', `${files.identityFile} is not an ed25519 key; move it away to have a new one made`);
  }
  const current = await readFile(files.publicKeyFile, 'utf8').catch(() => undefined);
  if (current?.trim() !== line) await replaceFile(files.publicKeyFile, `${line}\n`);
  return line;
}

// Made under a temporary name and linked into place: link() fails if another process got there first, so two
// starts racing end up sharing one key instead of each overwriting the other's.
async function generate(files: SshFiles, keygen: string, host: string): Promise<void> {
  const temp = `${files.identityFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const comment = `bramble@${host.replace(/[^A-Za-z0-9.-]/g, '-') || 'localhost'}`;
  try {
    await keygenOutput(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', temp]);
    try {
      await link(temp, files.identityFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}.pub`, { force: true });
  }
}

async function replaceFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, path);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

function keygenOutput(keygen: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // stdin closed: ssh-keygen must never sit waiting for an answer (overwrite? passphrase?).
    const child = execFile(keygen, args, { timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      // ssh-keygen's stderr names files and problems, never key material.
      const missing = (error as { code?: unknown }).code === 'ENOENT';
      const why = missing ? 'not installed (Debian package openssh-client)' : stderr.trim() || error.message;
      reject(new SshKeyError('SSH_KEYGEN_FAILED', `${keygen} ${args[0]} failed: ${why}`, { cause: error }));
    });
    child.stdin?.end();
  });
}
