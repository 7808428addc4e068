// tgt (the Linux SCSI target framework's user-space daemon) as the iSCSI peer: `tgtd -f` alone in a loopback
// namespace, with a private /run for its control socket (/run/tgtd/socket.0, which tgtadm talks to), and one
// target per disk, each a plain file with the default rdwr backing store on LUN 1 (LUN 0 is tgt's controller),
// CHAP required as on Bramble's side.
import { randomBytes } from 'node:crypto';
import { copyFile, open, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import type { Cleanup } from './cleanup.js';
import { mustRun, runCommand } from './command.js';
import type { IscsiTarget } from './iscsi-client.js';
import type { DiskRole, IscsiSide } from './iscsi.js';
import { createLoopbackNetns, startPrivateRun } from './nfs-sandbox.js';
import { waitForListeners } from './ready.js';
import { startServer } from './server-process.js';

export const ISCSI_PORT = 3260;
const IQN_PREFIX = 'iqn.2026-11.org.bramble-bench';
const CHAP_USER = 'bench';
const TIDS: Record<DiskRole, number> = { raw: 1, cow: 2, conformance: 3 };

export interface TgtOptions {
  /** The file each target serves; the cow disk's is made anew from `cowGolden` by freshCow(). */
  readonly files: Record<DiskRole, string>;
  readonly cowGolden: string;
  readonly cleanup: Cleanup;
}

/** Starts tgtd and configures its targets; everything is stopped through `cleanup`. */
export async function prepareTgt(options: TgtOptions): Promise<IscsiSide> {
  const netns = await createLoopbackNetns();
  options.cleanup.defer(`delete namespace ${netns.name}`, () => netns.destroy());
  const run = await startPrivateRun(netns, ['/run/tgtd']);
  options.cleanup.defer('stop the mount namespace holder', () => run.holder.stop());

  // -f: foreground, so that the bench owns it. nsenter execs in place: the pid is tgtd's.
  const server = startServer(run.exec(['tgtd', '-f']), { label: 'tgtd' });
  const tgtadm = (args: readonly string[]) => mustRun(run.exec(['tgtadm', '--lld', 'iscsi', ...args]), { timeoutMs: 30_000 });
  // tgtd ignores SIGTERM while it has targets: they are deleted first, then `--op delete --mode system` is its
  // own way down (as its init script's forced stop does). SIGTERM and SIGKILL remain the fallback.
  const stop = options.cleanup.defer('stop tgtd', async () => {
    if (!server.exited()) {
      for (const tid of Object.values(TIDS)) {
        await runCommand(run.exec(['tgtadm', '--lld', 'iscsi', '--op', 'delete', '--force', '--mode', 'target', '--tid', String(tid)]), { timeoutMs: 10_000 });
      }
      await runCommand(run.exec(['tgtadm', '--op', 'delete', '--mode', 'system']), { timeoutMs: 10_000 });
    }
    await server.stop(3_000);
  });
  const secret = randomBytes(12).toString('base64url');
  try {
    await waitForListeners(server, [{ transport: 'tcp', port: ISCSI_PORT }], netns.name);
    await waitForControl(() => runCommand(run.exec(['tgtadm', '--lld', 'iscsi', '--op', 'show', '--mode', 'target']), { timeoutMs: 10_000 }));
    await tgtadm(['--op', 'new', '--mode', 'account', '--user', CHAP_USER, '--password', secret]);
    for (const role of Object.keys(TIDS) as DiskRole[]) {
      const tid = String(TIDS[role]);
      await tgtadm(['--op', 'new', '--mode', 'target', '--tid', tid, '-T', `${IQN_PREFIX}:tgt-${role}`]);
      await tgtadm(['--op', 'new', '--mode', 'logicalunit', '--tid', tid, '--lun', '1', '-b', options.files[role]]);
      await tgtadm(['--op', 'bind', '--mode', 'account', '--tid', tid, '--user', CHAP_USER]);
      await tgtadm(['--op', 'bind', '--mode', 'target', '--tid', tid, '-I', 'ALL']);
    }
  } catch (error) {
    await stop();
    throw new BenchError('COMMAND_FAILED', `tgtd setup failed: ${error instanceof Error ? error.message : String(error)}\ntgtd output:\n${server.tail()}`, { cause: error });
  }

  const target = (role: DiskRole): IscsiTarget => ({ host: '127.0.0.1', port: ISCSI_PORT, iqn: `${IQN_PREFIX}:tgt-${role}`, lun: 1, chap: { user: CHAP_USER, secret } });
  return {
    name: 'tgt',
    exec: netns.exec,
    server,
    targets: { raw: target('raw'), cow: target('cow'), conformance: target('conformance') },
    async freshCow() {
      // A new file holding the golden image's bytes, on disk before it is served (so that writing it back does
      // not run into the next measurement), in place of the old LUN.
      const tid = String(TIDS.cow);
      await tgtadm(['--op', 'delete', '--mode', 'logicalunit', '--tid', tid, '--lun', '1']);
      await rm(options.files.cow, { force: true });
      await copyFile(options.cowGolden, options.files.cow);
      const handle = await open(options.files.cow, 'r+');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await tgtadm(['--op', 'new', '--mode', 'logicalunit', '--tid', tid, '--lun', '1', '-b', options.files.cow]);
    },
    stop,
  };
}

/** tgtd binds its port before its control socket may answer; tgtadm is retried for a while. */
async function waitForControl(probe: () => Promise<{ code: number | null; stderr: string }>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await probe();
    if (outcome.code === 0) return;
    if (Date.now() > deadline) throw new BenchError('WAIT_TIMEOUT', `tgtadm could not reach tgtd: ${outcome.stderr.trim()}`);
    await sleep(100);
  }
}
