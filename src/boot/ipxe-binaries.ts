// The iPXE binaries handed to PXE firmware (facts/firmware.md), found by exact name in the iPXE folder.
// Unlike the TFTP and HTTP roots, symlinks here may lead out of the folder: Debian's ipxe package links
// ipxe.efi to /boot/ipxe.efi. That is safe because a client can only name one of a fixed list of files, and a
// link is followed only to a file that bears one of those names too.
import { realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TftpFiles } from '../tftp/files.js';
import { openRegular } from '../tftp/folder-files.js';

export const ipxeBinaryNames = ['undionly.kpxe', 'undionly.kkpxe', 'ipxe.pxe', 'ipxe.efi', 'snponly.efi', 'ipxe.lkrn'] as const;

/** The real path of the named iPXE binary, or null when the name is not one of ours or the file is absent. */
export async function ipxeBinaryPath(dir: string, requested: string): Promise<string | null> {
  const name = requested.replace(/^[/\\]+/, '').toLowerCase();
  if (!(ipxeBinaryNames as readonly string[]).includes(name)) return null;
  try {
    const target = await realpath(join(dir, name));
    const targetName = basename(target).toLowerCase();
    if (!(ipxeBinaryNames as readonly string[]).includes(targetName)) return null;
    return (await stat(target)).isFile() ? target : null;
  } catch {
    return null;
  }
}

/** TFTP files from `base` first (so the data folder can override), then the iPXE binaries. */
export function withIpxeBinaries(base: TftpFiles, dir: string): TftpFiles {
  return {
    async open(path, client) {
      const found = await base.open(path, client);
      if (found.ok || found.code !== 'not-found') return found;
      const binary = await ipxeBinaryPath(dir, path);
      return binary === null ? found : openRegular(binary);
    },
  };
}
