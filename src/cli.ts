// Bramble's command line: dispatches `bramble <command>` to the command modules under cli/.
import { readFileSync } from 'node:fs';
import { serveCommand } from './cli/serve-command.js';
import { profileCommand } from './cli/profile-command.js';
import { machineCommand } from './cli/machine-command.js';
import { settingsCommand } from './cli/settings-command.js';
import { doctorCommand } from './cli/doctor-command.js';
import { powerCommand } from './cli/power-command.js';
import { wakeCommand } from './cli/wake-command.js';
import { sshKeyCommand } from './cli/ssh-key-command.js';
import { tokenCommand } from './cli/token-command.js';
import { nfsCommand } from './cli/nfs-command.js';
import { iscsiCommand } from './cli/iscsi-command.js';
import { mainHelp } from './cli/usage.js';
import { processOutput, type Output } from './cli/output.js';

const commands = {
  serve: serveCommand,
  profile: profileCommand,
  machine: machineCommand,
  settings: settingsCommand,
  doctor: doctorCommand,
  power: powerCommand,
  wake: wakeCommand,
  'ssh-key': sshKeyCommand,
  token: tokenCommand,
  nfs: nfsCommand,
  iscsi: iscsiCommand,
} as const;

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: Output = processOutput): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(mainHelp);
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    io.out(version());
    return 0;
  }
  const command = commands[name as keyof typeof commands];
  if (command === undefined) {
    io.err(`bramble: unknown command "${name}" (see bramble --help)`);
    return 2;
  }
  try {
    return await command(rest, env, io);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // parseArgs reports unknown or malformed flags with these codes; they are the user's typo, not a crash.
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      io.err(`bramble ${name}: ${e.message}`);
      return 2;
    }
    io.err(`bramble ${name}: ${e.message}${e.code ? ` (${e.code})` : ''}`);
    return 1;
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `bramble ${pkg.version}`;
}
