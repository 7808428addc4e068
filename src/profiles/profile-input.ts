// Validates a profile as a user describes it (CLI flags or API body) into a stored Profile.
import { isAbsolute } from 'node:path';
import type { Profile, ProfileKind } from '../store/schema.js';

export interface ProfileInput {
  readonly name?: unknown;
  readonly description?: unknown;
  readonly kernel?: unknown;
  readonly initrds?: unknown;
  readonly cmdline?: unknown;
  readonly script?: unknown;
  readonly chain?: unknown;
  readonly localDisk?: unknown;
  /** With a kernel: a diskless NFS root profile over this golden root. */
  readonly nfsRoot?: unknown;
  /** With a kernel: an iSCSI root (its initramfs logs in); with sanboot: iPXE boots the disk. Over this golden image. */
  readonly iscsiImage?: unknown;
  readonly sanboot?: unknown;
}

export type ProfileCheck = { readonly ok: true; readonly profile: Profile } | { readonly ok: false; readonly field: string; readonly error: string };

// The boot menu's own entries; a profile with one of these names could never be picked as the default.
const reservedNames = ['local', 'shell', 'reboot'];

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** A golden root's folder name, as src/nfs/export-input.ts checks it. */
const ROOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function isUrl(value: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(value);
}

/** `isFile` tells whether a local path is a readable regular file (checked by the caller's I/O). */
export function checkProfileInput(input: ProfileInput, isFile: (path: string) => boolean, now: string): ProfileCheck {
  const bad = (field: string, error: string): ProfileCheck => ({ ok: false, field, error });
  if (typeof input.name !== 'string' || !namePattern.test(input.name)) {
    return bad('name', 'must be 1-63 letters, digits, dot, dash or underscore, starting with a letter or digit');
  }
  if (reservedNames.includes(input.name)) return bad('name', `"${input.name}" is a built-in menu entry; choose another name`);
  const kinds: ProfileKind[] = [];
  if (input.nfsRoot !== undefined && input.iscsiImage !== undefined) return bad('kind', 'give --nfs-root or --iscsi-image, not both');
  if (input.sanboot === true && input.iscsiImage === undefined) return bad('iscsiImage', 'a SAN boot profile needs --iscsi-image');
  if (input.kernel !== undefined) {
    if (input.sanboot === true) return bad('kernel', 'a SAN boot profile boots the disk itself: no --kernel');
    kinds.push(input.nfsRoot !== undefined ? 'nfs-root' : input.iscsiImage !== undefined ? 'iscsi-root' : 'kernel');
  } else if (input.nfsRoot !== undefined) return bad('kernel', 'a diskless NFS root profile needs --kernel (and usually --initrd)');
  else if (input.iscsiImage !== undefined && input.sanboot !== true) return bad('kernel', 'an iSCSI root profile needs --kernel and an --initrd that logs in (or --sanboot)');
  if (input.sanboot === true) kinds.push('iscsi-sanboot');
  if (input.script !== undefined) kinds.push('script');
  if (input.chain !== undefined) kinds.push('chain');
  if (input.localDisk === true) kinds.push('local-disk');
  if (kinds.length !== 1) return bad('kind', 'give exactly one of --kernel, --sanboot, --script, --chain or --local-disk');
  const kind = kinds[0]!;
  for (const field of ['description', 'cmdline'] as const) {
    const v = input[field];
    if (v !== undefined && (typeof v !== 'string' || /[\r\n]/.test(v))) return bad(field, 'must be a single line of text');
  }
  const base = {
    name: input.name,
    kind,
    createdAt: now,
    ...(typeof input.description === 'string' && input.description !== '' ? { description: input.description } : {}),
  };
  const source = (field: string, value: unknown): string | ProfileCheck => {
    if (typeof value !== 'string' || value === '') return bad(field, 'must be a file path or an http(s) URL');
    if (isUrl(value)) return value;
    if (!isAbsolute(value)) return bad(field, `"${value}" must be an absolute path or an http(s) URL`);
    if (!isFile(value)) return bad(field, `"${value}" is not a readable file`);
    return value;
  };
  if ((kind === 'iscsi-root' || kind === 'iscsi-sanboot') && (typeof input.iscsiImage !== 'string' || !ROOT_NAME.test(input.iscsiImage))) {
    return bad('iscsiImage', 'must name a golden image (IMAGE.img in the iSCSI images folder): letters, digits, dot, dash or underscore');
  }
  switch (kind) {
    case 'iscsi-sanboot':
      return { ok: true, profile: { ...base, iscsiImage: input.iscsiImage as string } };
    case 'kernel':
    case 'nfs-root':
    case 'iscsi-root': {
      if (kind === 'nfs-root' && (typeof input.nfsRoot !== 'string' || !ROOT_NAME.test(input.nfsRoot))) {
        return bad('nfsRoot', 'must name a golden root folder: letters, digits, dot, dash or underscore');
      }
      if (input.initrds !== undefined && !Array.isArray(input.initrds)) return bad('initrds', 'must be a list');
      const kernel = source('kernel', input.kernel);
      if (typeof kernel !== 'string') return kernel;
      const initrds: string[] = [];
      for (const item of (input.initrds as unknown[] | undefined) ?? []) {
        const initrd = source('initrd', item);
        if (typeof initrd !== 'string') return initrd;
        initrds.push(initrd);
      }
      const cmdline = typeof input.cmdline === 'string' && input.cmdline !== '' ? { cmdline: input.cmdline } : {};
      const root = kind === 'nfs-root' ? { nfsRoot: input.nfsRoot as string } : kind === 'iscsi-root' ? { iscsiImage: input.iscsiImage as string } : {};
      return { ok: true, profile: { ...base, kernel, initrds, ...cmdline, ...root } };
    }
    case 'script':
      if (typeof input.script !== 'string' || input.script.trim() === '') return bad('script', 'must be a non-empty iPXE script');
      return { ok: true, profile: { ...base, script: input.script } };
    case 'chain':
      if (typeof input.chain !== 'string' || !isUrl(input.chain)) return bad('chain', 'must be an http(s) URL');
      return { ok: true, profile: { ...base, chain: input.chain } };
    case 'local-disk':
      return { ok: true, profile: base };
  }
}
