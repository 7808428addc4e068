// Tests for the NFS-root serial console reader: boots split at the initramfs marker, checks per phase, summaries
// that must agree with the check lines, mount failures, and a kernel message in the middle of a marker line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeTimes, parseNfsRootSerial, phaseProblems } from './nfsroot-markers.js';

const WRITER = [
  'SeaBIOS (version 1.16.2-debian-1.16.2-1)',
  'BRAMBLE-NFS-CHECK PASS golden/ignored-before-any-boot',
  '[    2.281390] Run /init as init process',
  'BRAMBLE-NFSROOT-INIT',
  'BRAMBLE-CMDLINE console=ttyS0 root=/dev/nfs nfsroot=198.18.0.1:/bramble/debian/52-54-00-aa-bb-cc,vers=3,tcp,nolock ip=dhcp',
  'BRAMBLE-NET-OK eth0 198.18.0.100',
  'BRAMBLE-NFSROOT-MOUNTED 198.18.0.1:/bramble/debian/52-54-00-aa-bb-cc addr=198.18.0.1,vers=3,tcp,nolock',
  'BRAMBLE-NFS-ROLE writer',
  'BRAMBLE-NFS-ROOT 198.18.0.1:/bramble/debian/52-54-00-aa-bb-cc / nfs rw,vers=3 0 0',
  'BRAMBLE-NFS-PHASE golden at=9.71',
  'BRAMBLE-NFS-CHECK PASS golden/tree-paths',
  'BRAMBLE-NFS-DONE golden pass=1 fail=0 at=12.13',
  'BRAMBLE-NFS-PHASE boot1',
  'BRAMBLE-NFS-CHECK PASS boot1/mkdir',
  // A kernel message ahead of the marker on the same line; the marker is still found.
  '[   20.100000] nfs: server 198.18.0.1 OK\rBRAMBLE-NFS-CHECK FAIL boot1/mknod-chardev mknod: /work/null: Operation not permitted\r',
  'BRAMBLE-NFS-DONE boot1 pass=1 fail=1',
  'BRAMBLE-NFS-END reboot pass=2 fail=1',
  'BRAMBLE-NFSROOT-INIT',
  'BRAMBLE-NET-OK eth0 198.18.0.100',
  'BRAMBLE-NFSROOT-FAILED mount -t nfs -o addr=198.18.0.1,vers=3 198.18.0.1:/x /root',
].join('\n');

test('the serial log splits into boots at the initramfs marker; lines before the first boot are ignored', () => {
  const report = parseNfsRootSerial(WRITER);
  assert.equal(report.boots.length, 2);
  const [first, second] = report.boots;
  assert.equal(first!.role, 'writer');
  assert.equal(first!.ip, '198.18.0.100');
  assert.match(first!.mounted!, /^198\.18\.0\.1:\/bramble\/debian\/52-54-00-aa-bb-cc addr=/);
  assert.match(first!.rootMount!, / nfs rw,vers=3/);
  assert.deepEqual(first!.phases, ['golden', 'boot1']);
  assert.deepEqual(
    first!.checks.map((c) => `${c.phase}/${c.name} ${c.ok}`),
    ['golden/tree-paths true', 'boot1/mkdir true', 'boot1/mknod-chardev false'],
  );
  assert.equal(first!.checks[2]!.detail, 'mknod: /work/null: Operation not permitted');
  assert.equal(first!.end, 'reboot');
  assert.equal(describeTimes(first!), 'golden 9.7-12.1 s, boot1 ?-? s');
  assert.equal(second!.mountFailure, 'mount -t nfs -o addr=198.18.0.1,vers=3 198.18.0.1:/x /root');
  assert.equal(second!.mounted, undefined);
  assert.equal(report.panic, undefined);
});

test('a phase is clean only when it ran, every check passed, and its summary agrees', () => {
  const [first] = parseNfsRootSerial(WRITER).boots;
  assert.deepEqual(phaseProblems(first!, 'golden', 1), []);
  assert.deepEqual(phaseProblems(first!, 'golden', 2), ['phase golden: 1 checks, expected at least 2']);
  assert.deepEqual(phaseProblems(first!, 'boot1', 1), ['boot1/mknod-chardev failed: mknod: /work/null: Operation not permitted']);
  assert.deepEqual(phaseProblems(first!, 'boot2', 1), ['phase boot2 never started (phases: golden, boot1)']);
});

test('a summary that disagrees with the check lines read, an aborted phase and a panic are reported', () => {
  const text = [
    'BRAMBLE-NFSROOT-INIT',
    'BRAMBLE-NFS-PHASE boot2',
    'BRAMBLE-NFS-CHECK PASS boot2/new-file',
    'BRAMBLE-NFS-DONE boot2 pass=2 fail=0',
    'BRAMBLE-NFS-PHASE cthon',
    'BRAMBLE-NFS-ABORTED cthon',
    '[   31.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000',
  ].join('\n');
  const report = parseNfsRootSerial(text);
  const [boot] = report.boots;
  assert.deepEqual(phaseProblems(boot!, 'boot2', 1), ['phase boot2: summary pass=2 fail=0 does not match the 1 check lines read']);
  assert.deepEqual(phaseProblems(boot!, 'cthon', 0), ['phase cthon printed no summary (aborted: cthon)']);
  assert.equal(report.panic, 'Attempted to kill init! exitcode=0x00000000');
});
