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
  profile add NAME (--kernel PATH|URL [--initrd PATH|URL]... [--cmdline STR] [--nfs-root ROOT] | --script FILE
          | --chain URL | --local-disk) [--description TEXT] [--replace]
          --nfs-root: a diskless NFS root; each machine gets its own layer over the golden root ROOT
          --iscsi-image IMAGE: each machine gets its own iSCSI disk over the golden image IMAGE; with --kernel
              its initramfs logs in (iscsi_* and netroot= arguments), with --sanboot (no kernel) iPXE boots the disk
  profile ls | show NAME | rm NAME [--force]
  machine ls [--tag TAG] [--json]  machines with their state, tags, facts and last boot events
  machine show MACHINE [--json]  all of one machine: facts, power settings, boot and power events
  machine add MAC [--name NAME] [--tag TAG]...
  machine rm MACHINE | rename MACHINE NEW-NAME | tag MACHINE TAG... [--remove]
  machine assign MACHINE (PROFILE | --none) [--once]   what it boots (--once: next boot only)
  machine set MACHINE [--profile NAME|none] [--boot-once NAME|none] [--name TEXT] [--address IP|none]
  machine power-setup MACHINE --driver wol|tasmota|shelly|webhook|ssh|manual [--set KEY=VALUE]...
          how Bramble switches it; settings of the same driver are kept unless given (KEY= removes one);
          e.g. --driver tasmota --set url=http://192.168.1.50 --set password=@FILE (KEY=@FILE reads the value
          from FILE, @- from standard input, keeping secrets out of the process list); --none removes them
  power on|off|cycle|status MACHINE   run a power action (needs the running server)
  wake MACHINE [--secure-on HEX] [--port 7|9] [--count N]   Wake-on-LAN, also for a MAC not known yet
  ssh-key                       Bramble's SSH public key, for the ssh power driver's authorized_keys
  token create NAME | ls [--json] | rm ID   bearer tokens for the REST API (shown once when made)
  nfs ls [--json] | roots        NFS exports with their layer sizes; the golden roots there are
  nfs add ROOT --allow IP|CIDR [--name LABEL] [--root-squash]
          export ROOT read-only at /bramble/ROOT, or with --name a writable layer at /bramble/ROOT/LABEL
  nfs reset EXPORT | rm EXPORT  reset a layer to golden / remove an export (EXPORT: its path, id or MAC)
  iscsi ls [--json] | images    iSCSI disks with the space their overlays take; the golden images there are
  iscsi image NAME --from DIR --size SIZE   a golden image: ext4 of SIZE (2G, 512M) filled from the folder DIR
  iscsi add (IMAGE | --raw IMAGE | --raw --size SIZE) --name LABEL --allow IP|CIDR
          a copy-on-write disk over IMAGE (or a raw disk: a copy of IMAGE, or SIZE of zeros), served as target
          iqn.2026-11.org.bramble:LABEL with its own CHAP secret
  iscsi reset DISK | rm DISK    reset a disk to golden / remove it (DISK: its IQN, label, id or MAC)
  settings get | set KEY VALUE  menu.title, menu.timeoutSeconds, menu.defaultEntry
  doctor [--interface IF]       check this host: interface, ports, iPXE files, other DHCP servers

Every command takes --data-dir DIR (or BRAMBLE_DATA_DIR; default /var/lib/bramble) to find its data folder
and the server running on it. Commands talk to the running server; with no server they edit the store
(power, wake and ssh-key need the server). MACHINE is a MAC (aa:bb:cc:dd:ee:ff, aa-bb-..., aabbccddeeff) or a
machine's name, matched exactly.

  -h, --help                    show help
  -v, --version                 show the version`;
