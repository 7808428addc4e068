// Who may do what (POSIX file access as Linux's nfsd applies it; RFC 1813 §3.3.4 ACCESS bits): case tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Access3 } from '../../src/nfs/nfs3-types.js';
import {
  grantedAccess,
  mayChangeEntries,
  mayDelete,
  mayList,
  mayReadData,
  mayReparent,
  maySearch,
  mayWriteData,
  modeAfterOwnerChange,
  modeBits,
  newDirectoryMode,
  newObjectGroup,
  permittedMode,
  setattrRefusal,
  type Identity,
  type SetattrAsk,
} from '../../src/nfs/permissions.js';
import type { FileAttributes } from '../../src/nfs/view/view.js';

type Subject = Pick<FileAttributes, 'type' | 'mode' | 'uid' | 'gid'>;
const file = (mode: number, uid = 1000, gid = 1000): Subject => ({ type: 'reg', mode, uid, gid });
const dir = (mode: number, uid = 1000, gid = 1000): Subject => ({ type: 'dir', mode, uid, gid });

const root: Identity = { uid: 0, gid: 0, gids: [] };
const owner: Identity = { uid: 1000, gid: 1000, gids: [1000] };
const member: Identity = { uid: 1001, gid: 1001, gids: [1001, 1000] };
const other: Identity = { uid: 1002, gid: 1002, gids: [1002] };
const nobody: Identity = { uid: 65534, gid: 65534, gids: [] };

const { read: R, lookup: L, modify: M, extend: E, delete: D, execute: X } = Access3;

const accessTable: ReadonlyArray<[string, Subject, Identity, number]> = [
  ['owner of a 0644 file', file(0o644), owner, R | M | E],
  ['group member of a 0644 file', file(0o644), member, R],
  ['other of a 0644 file', file(0o644), other, R],
  ['other of a 0600 file', file(0o600), other, 0],
  ['owner of a 0755 program', file(0o755), owner, R | M | E | X],
  ['group member of a 0750 program', file(0o750), member, R | X],
  ['owner denied by its own bits, though the group may (0077)', file(0o077), owner, 0],
  ['the group through a supplementary gid', file(0o070), member, R | M | E | X],
  ['root on a 0000 file: read and write, no execute', file(0o000), root, R | M | E],
  ['root on a 0100 file: execute because one x bit is set', file(0o100), root, R | M | E | X],
  ['a squashed root is nobody: other bits only', file(0o604, 0, 0), nobody, R],
  ['owner of a 0755 directory', dir(0o755), owner, R | L | M | E | D],
  ['other of a 0755 directory: list and search, no change', dir(0o755), other, R | L],
  ['other of a 0733 directory: change, no list', dir(0o733), other, L | M | E | D],
  ['write without search on a directory changes nothing (0766)', dir(0o766), other, R],
  ['root on a 0000 directory: everything (search always)', dir(0o000), root, R | L | M | E | D],
];
for (const [name, subject, who, expected] of accessTable) {
  test(`ACCESS: ${name}`, () => {
    assert.equal(grantedAccess(subject, who), expected);
  });
}

test('mode classes: one class applies, root gets rw and x only where some x is', () => {
  assert.equal(modeBits(file(0o751), owner), 0o7);
  assert.equal(modeBits(file(0o751), member), 0o5);
  assert.equal(modeBits(file(0o751), other), 0o1);
  assert.equal(modeBits(file(0o000), root), 0o6);
  assert.equal(modeBits(file(0o001), root), 0o7);
  assert.equal(modeBits(dir(0o000), root), 0o7);
});

test('directories: search is x, list is r, changing names needs w and x', () => {
  assert.ok(maySearch(dir(0o711), other) && !mayList(dir(0o711), other));
  assert.ok(mayList(dir(0o744), other) && !maySearch(dir(0o744), other));
  assert.ok(mayChangeEntries(dir(0o733), other));
  assert.ok(!mayChangeEntries(dir(0o722), other));
  assert.ok(!mayChangeEntries(dir(0o755), other));
});

const stickyTable: ReadonlyArray<[string, Subject, Subject, Identity, boolean]> = [
  ['a plain writable directory: anyone who may write', dir(0o777, 0, 0), file(0o644, 1000), other, true],
  ['sticky /tmp: the file owner', dir(0o1777, 0, 0), file(0o644, 1000), owner, true],
  ['sticky /tmp: another user', dir(0o1777, 0, 0), file(0o644, 1000), other, false],
  ['sticky directory: its owner', dir(0o1777, 1002, 1002), file(0o644, 1000), other, true],
  ['sticky /tmp: root', dir(0o1777, 0, 0), file(0o644, 1000), root, true],
  ['not writable: not even the file owner', dir(0o755, 0, 0), file(0o644, 1000), owner, false],
];
for (const [name, d, entry, who, expected] of stickyTable) {
  test(`delete: ${name}`, () => {
    assert.equal(mayDelete(d, entry, who), expected);
  });
}

test('data: the owner always reads and writes (nfsd owner override); exec-only may be read; others by mode', () => {
  assert.ok(mayWriteData(file(0o444), owner));
  assert.ok(mayReadData(file(0o000), owner));
  assert.ok(!mayWriteData(file(0o644), other));
  assert.ok(mayWriteData(file(0o666), other));
  assert.ok(mayReadData(file(0o711), other));
  assert.ok(!mayReadData(file(0o700), other));
  assert.ok(mayWriteData(file(0o000, 5, 5), root));
});

const setattrTable: ReadonlyArray<[string, Subject, SetattrAsk, Identity, 'PERM' | 'ACCES' | null]> = [
  ['owner chmod', file(0o644), { mode: true }, owner, null],
  ['non-owner chmod', file(0o666), { mode: true }, other, 'PERM'],
  ['root chmod', file(0o644), { mode: true }, root, null],
  ['owner chown to another user', file(0o644), { uid: 1002 }, owner, 'PERM'],
  ['root chown', file(0o644), { uid: 1002 }, root, null],
  ['owner chgrp to a group it is in', file(0o644), { gid: 100 }, { ...owner, gids: [1000, 100] }, null],
  ['owner chgrp to a group it is not in', file(0o644), { gid: 100 }, owner, 'PERM'],
  ['non-owner chgrp', file(0o666), { gid: 1002 }, other, 'PERM'],
  ['truncate by a writer', file(0o666), { size: true }, other, null],
  ['truncate without write permission', file(0o644), { size: true }, other, 'ACCES'],
  ['truncate by the owner of a read-only file', file(0o444), { size: true }, owner, null],
  ['times to a client value by the owner', file(0o644), { atime: 'client', mtime: 'client' }, owner, null],
  ['times to a client value by a writer who is not the owner', file(0o666), { mtime: 'client' }, other, 'PERM'],
  ['times to now by a writer (touch)', file(0o666), { atime: 'server', mtime: 'server' }, other, null],
  ['times to now without write permission', file(0o644), { mtime: 'server' }, other, 'ACCES'],
  ['nothing asked', file(0o600), {}, other, null],
];
for (const [name, subject, ask, who, expected] of setattrTable) {
  test(`SETATTR: ${name} -> ${expected ?? 'allowed'}`, () => {
    assert.equal(setattrRefusal(subject, ask, who), expected);
  });
}

test('chmod: setgid on a file is dropped for a caller outside its group, kept for a member, root and directories', () => {
  assert.equal(permittedMode(file(0o644), 0o2755, 1000, other), 0o755);
  assert.equal(permittedMode(file(0o644), 0o2755, 1000, member), 0o2755);
  assert.equal(permittedMode(file(0o644), 0o2755, 1000, root), 0o2755);
  assert.equal(permittedMode(dir(0o755), 0o2775, 1000, other), 0o2775);
  assert.equal(permittedMode(file(0o644), 0o170644, 1000, owner), 0o644);
});

test('a change of owner strips setuid, and setgid with group execute, from files only', () => {
  assert.equal(modeAfterOwnerChange('reg', 0o4755), 0o755);
  assert.equal(modeAfterOwnerChange('reg', 0o2755), 0o755);
  assert.equal(modeAfterOwnerChange('reg', 0o2745), 0o2745);
  assert.equal(modeAfterOwnerChange('dir', 0o2775), 0o2775);
});

test('new objects: the group of a setgid directory, else the caller; setgid passes to subdirectories', () => {
  assert.equal(newObjectGroup(dir(0o2775, 0, 50), owner, null), 50);
  assert.equal(newObjectGroup(dir(0o775, 0, 50), owner, null), 1000);
  assert.equal(newObjectGroup(dir(0o2775, 0, 50), owner, 100), 100);
  assert.equal(newDirectoryMode(dir(0o2775), 0o755), 0o2755);
  assert.equal(newDirectoryMode(dir(0o775), 0o755), 0o755);
});

test('moving a directory to another parent needs write permission on it', () => {
  assert.ok(mayReparent(dir(0o755), owner));
  assert.ok(!mayReparent(dir(0o555), owner));
  assert.ok(mayReparent(dir(0o555), root));
});
