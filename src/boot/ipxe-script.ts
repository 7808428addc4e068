// Renders iPXE scripts (https://ipxe.org/scripting): a profile's boot script and the netboot.xyz-style menu.
import type { Profile } from '../store/schema.js';

export interface ScriptUrls {
  /** URL iPXE fetches for a profile's kernel (index 'kernel') or its n-th initrd. */
  asset(profile: Profile, which: 'kernel' | number): string;
  /** URL of the boot script for one profile, used by menu entries. */
  profileScript(profile: Profile): string;
}

export interface MenuOptions {
  readonly title: string;
  readonly timeoutSeconds: number;
  readonly defaultEntry: string;
  /** 'efi' or 'pcbios' as iPXE's ${platform} reports it; decides how "local disk" exits. */
  readonly platform: string | null;
}

/**
 * The first answer to /boot.ipxe when iPXE has not said who it is: DHCP hands iPXE a plain URL (the filename
 * is not expanded), so this stub asks iPXE to come back with its MAC and hardware facts in the query.
 */
export function renderFactsStub(scriptUrl: string): string {
  const facts = 'mac=${mac}&uuid=${uuid}&serial=${serial:uristring}&manufacturer=${manufacturer:uristring}' +
    '&product=${product:uristring}&platform=${platform}&buildarch=${buildarch}&hostname=${hostname:uristring}';
  return ['#!ipxe', `chain ${scriptUrl}?${facts}`, ''].join('\n');
}

/** Where a booted machine's inventory agent gets its script and posts its facts, with its one-boot token. */
export interface AgentHandout {
  readonly scriptUrl: string;
  readonly factsUrl: string;
  readonly token: string;
}

/**
 * A machine's own iSCSI disk as its initiator reaches it: iPXE (https://ipxe.org/sanuri,
 * https://ipxe.org/cfg/username) or an initramfs (iscsiRootArgs).
 */
export interface SanDisk {
  readonly server: string;
  readonly port: number;
  readonly iqn: string;
  readonly initiatorIqn: string;
  readonly chapUser: string;
  readonly chapSecret: string;
  /** The target's CHAP name and secret: iPXE then checks the target too (mutual CHAP). */
  readonly targetUser?: string;
  readonly targetSecret?: string;
}

/** iSCSI names and CHAP values we make hold only [A-Za-z0-9.:_-]: nothing iPXE's parser could read another way. */
const SAN_VALUE = /^[A-Za-z0-9.:_-]+$/;

/**
 * `agent` puts bramble.agent=, bramble.facts= and bramble.token= on a kernel's command line, where an initramfs
 * or a systemd unit finds them in /proc/cmdline (the kernel keeps dotted unknown parameters there, unused).
 * `rootArgs` (nfs-root and iscsi-root profiles) name the machine's own root, before the profile's own command
 * line; `san` (iscsi-sanboot) is the disk iPXE boots.
 */
export function renderProfileScript(profile: Profile, urls: ScriptUrls, platform: string | null, agent?: AgentHandout, rootArgs: readonly string[] = [], san?: SanDisk): string {
  const lines = ['#!ipxe', `echo Bramble: booting ${oneLine(profile.name)}`];
  switch (profile.kind) {
    case 'iscsi-sanboot': {
      const mutual = san?.targetUser !== undefined && san.targetSecret !== undefined ? [san.targetUser, san.targetSecret] : [];
      if (san === undefined || ![san.server, san.iqn, san.initiatorIqn, san.chapUser, san.chapSecret, ...mutual].every((v) => SAN_VALUE.test(v))) {
        return failedScript(`${profile.name}: no iSCSI disk to boot`);
      }
      // iPXE logs in with these (CHAP), describes the disk in the iBFT for the OS, and boots its first sector.
      lines.push(`set initiator-iqn ${san.initiatorIqn}`, `set username ${san.chapUser}`, `set password ${san.chapSecret}`);
      // With reverse-*, iPXE challenges the target in turn and refuses one that cannot answer with this secret.
      if (mutual.length > 0) lines.push(`set reverse-username ${mutual[0]}`, `set reverse-password ${mutual[1]}`);
      lines.push(`sanboot iscsi:${san.server}::${san.port}:0:${san.iqn} || goto failed`);
      break;
    }
    case 'kernel':
    case 'nfs-root':
    case 'iscsi-root': {
      const initrds = (profile.initrds ?? []).map((path, i) => ({ name: `initrd${i}${extensionOf(path)}`, url: urls.asset(profile, i) }));
      // UEFI's Linux EFI stub only gets an initrd the command line names (facts/firmware.md); harmless on BIOS.
      const handout = agent === undefined ? [] : [`bramble.agent=${agent.scriptUrl}`, `bramble.facts=${agent.factsUrl}`, `bramble.token=${agent.token}`];
      const args = [...initrds.map((i) => `initrd=${i.name}`), ...rootArgs, profile.cmdline ?? '', ...handout].filter((s) => s !== '').join(' ');
      lines.push(`kernel ${urls.asset(profile, 'kernel')}${args === '' ? '' : ' ' + oneLine(args)} || goto failed`);
      for (const initrd of initrds) lines.push(`initrd --name ${initrd.name} ${initrd.url} || goto failed`);
      lines.push('boot || goto failed');
      break;
    }
    case 'chain':
      lines.push(`chain ${oneLine(profile.chain ?? '')} || goto failed`);
      break;
    case 'local-disk':
      lines.push(...localDiskLines(platform));
      break;
    case 'script': {
      const body = (profile.script ?? '').replace(/^#!ipxe[^\n]*\n?/, '');
      return ['#!ipxe', body.trimEnd(), ''].join('\n');
    }
  }
  lines.push('exit', ':failed', 'echo Bramble: boot failed, retrying in 10 s', 'sleep 10', 'reboot', '');
  return lines.join('\n');
}

/** A script that says why a boot cannot go on, then retries, as a failed kernel download does. */
export function failedScript(reason: string): string {
  return ['#!ipxe', `echo Bramble: ${oneLine(reason)}`, 'echo Bramble: boot failed, retrying in 10 s', 'sleep 10', 'reboot', ''].join('\n');
}

export function renderMenu(profiles: readonly Profile[], urls: ScriptUrls, options: MenuOptions): string {
  const labelOf = new Map(profiles.map((p, i) => [p.name, `p${i}`]));
  const builtins = ['local', 'shell', 'reboot'];
  const defaultLabel = labelOf.get(options.defaultEntry) ?? (builtins.includes(options.defaultEntry) ? options.defaultEntry : 'local');
  const lines = ['#!ipxe', ':menu', `menu ${oneLine(options.title)}`, 'item --gap Profiles'];
  for (const p of profiles) lines.push(`item ${labelOf.get(p.name)} ${oneLine(p.name)}${p.description ? ' - ' + oneLine(p.description) : ''}`);
  lines.push('item --gap Other', 'item local Boot from local disk', 'item shell iPXE shell', 'item reboot Reboot');
  lines.push(`choose --timeout ${Math.max(0, Math.round(options.timeoutSeconds * 1000))} --default ${defaultLabel} selected || goto menu`);
  lines.push('goto ${selected}');
  for (const p of profiles) lines.push(`:${labelOf.get(p.name)}`, `chain ${urls.profileScript(p)} || goto menu`);
  lines.push(':local', ...localDiskLines(options.platform), ':shell', 'shell', 'goto menu', ':reboot', 'reboot', '');
  return lines.join('\n');
}

function localDiskLines(platform: string | null): string[] {
  // On UEFI, exiting iPXE hands control back to the firmware's boot order; BIOS needs an explicit sanboot.
  if (platform === 'efi') return ['echo Bramble: booting from local disk', 'exit 1'];
  return ['echo Bramble: booting from local disk', 'sanboot --no-describe --drive 0x80 || exit 1'];
}

function extensionOf(path: string): string {
  const base = path.split(/[/?#]/).filter(Boolean).at(-1) ?? '';
  const m = /\.(gz|img|xz|zst|lz4|cpio)$/.exec(base);
  return m ? m[0] : '';
}

// A value with a newline would end the iPXE command early and start another one. Within a line, iPXE splits
// on whitespace and takes the tokens `;`, `&&`, `||` as command separators and a token starting with `#` as a
// comment (core/exec.c); `${}` in front of such a token expands to nothing only after that split.
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/(^|\s)(?=(?:;|&&|\|\|)(?:\s|$)|#)/g, (_m, space: string) => `${space}\${}`);
}
