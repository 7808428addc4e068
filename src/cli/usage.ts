// The text of `bramble --help` and of each command's help, generated from the settings table for serve.
import { settingsTable } from '../config/settings-table.js';

export function serveHelp(): string {
  const rows = Object.values(settingsTable).map((s) => {
    const def = s.default === null ? '' : Array.isArray(s.default) ? '' : ` (default: ${String(s.default)})`;
    return `  --${s.flag} ${s.placeholder}`.padEnd(36) + `${s.help}${def}  [${s.env}]`;
  });
  return [
    'Usage: bramble serve [options]',
    '',
    'Runs the appliance: DHCP (proxy by default), TFTP, HTTP boot scripts and assets.',
    'Precedence: defaults < --config FILE (YAML) < BRAMBLE_* environment < flags.',
    '',
    '  --config FILE'.padEnd(36) + 'YAML config file  [BRAMBLE_CONFIG]',
    ...rows,
  ].join('\n');
}

export const mainHelp = `Usage: bramble <command> [options]

Network boot for your home lab: every machine on the LAN boots from this one box.

Commands:
  serve                         run the appliance (see: bramble serve --help)
  profile add NAME (--kernel PATH|URL [--initrd PATH|URL]... [--cmdline STR] | --script FILE | --chain URL | --local-disk)
          [--description TEXT] [--replace]
  profile ls | show NAME | rm NAME [--force]
  machine ls [--json]           machines seen booting, with facts and last boot events
  machine show MAC [--json]
  machine set MAC [--profile NAME|none] [--boot-once NAME|none] [--name TEXT] [--address IP|none]
  settings get | set KEY VALUE  menu.title, menu.timeoutSeconds, menu.defaultEntry
  doctor [--interface IF]       check this host: interface, ports, iPXE files, other DHCP servers

Every command takes --data-dir DIR (or BRAMBLE_DATA_DIR; default /var/lib/bramble) to find its data folder
and the server running on it. Commands talk to the running server; with no server they edit the store.

  -h, --help                    show help
  -v, --version                 show the version`;
