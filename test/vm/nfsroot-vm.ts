// Runs one NFS-root test machine in QEMU to its end: through however many boots the scenario makes (the guest
// reboots itself, QEMU restarts it through its firmware) until it powers off, panics, or runs out of time.
import { setTimeout as sleep } from 'node:timers/promises';
import { roleOemString } from './nfsroot-images.js';
import { parseNfsRootSerial } from './nfsroot-markers.js';
import type { NfsSerialReport } from './nfsroot-markers.js';
import { startVm } from './vm.js';
import type { VmOptions } from './vm.js';

export interface NfsRootRunOptions extends Omit<VmOptions, 'onReboot' | 'oemStrings' | 'hardTimeoutMs'> {
  readonly role: 'writer' | 'reader';
  /** The whole run, all boots together. */
  readonly timeoutMs: number;
  /** Boots the scenario makes; one more (a writer that finds no trace of its boot 1, say) ends the run at once. */
  readonly maxBoots: number;
  /**
   * Called each time the guest's kernel says it is restarting (after its last NFS call), while QEMU goes on into
   * the firmware; the next boot's DHCP waits for it (to restart the server between boots, say).
   */
  readonly betweenBoots?: (reboots: number) => Promise<void>;
  /** Called once QEMU is started (to register its stop with a teardown, say). */
  readonly onStart?: (stop: () => Promise<void>) => void;
}

export interface NfsRootRun extends NfsSerialReport {
  readonly argv: readonly string[];
  readonly serial: string;
  readonly serialLog: string;
  /** From QEMU start to its end, for the report; never asserted on. */
  readonly seconds: number;
  /** 'poweroff': QEMU exited by itself; the others: the harness stopped it. */
  readonly ending: 'poweroff' | 'panic' | 'too-many-boots' | 'timeout';
}

export async function runNfsRootVm(options: NfsRootRunOptions): Promise<NfsRootRun> {
  const { role, timeoutMs, maxBoots, betweenBoots, onStart, ...vmOptions } = options;
  const started = Date.now();
  const vm = await startVm({
    ...vmOptions,
    onReboot: 'restart',
    oemStrings: [roleOemString(role)],
    hardTimeoutMs: timeoutMs + 10_000,
  });
  onStart?.(() => vm.stop());
  let ending: NfsRootRun['ending'] = 'timeout';
  let reboots = 0;
  const deadline = started + timeoutMs;
  while (Date.now() < deadline) {
    if (vm.process.exitStatus() !== undefined) {
      ending = 'poweroff';
      break;
    }
    const output = vm.process.output();
    // With panic=0 the kernel halts on a panic; without -no-reboot QEMU would otherwise sit there until the deadline.
    if (/Kernel panic - not syncing/.test(output)) {
      await sleep(2_000);
      ending = 'panic';
      break;
    }
    if (output.split('BRAMBLE-NFSROOT-INIT').length - 1 > maxBoots) {
      ending = 'too-many-boots';
      break;
    }
    if (betweenBoots !== undefined && output.split('reboot: Restarting system').length - 1 > reboots) {
      reboots += 1;
      await betweenBoots(reboots);
      continue;
    }
    await sleep(250);
  }
  const seconds = (Date.now() - started) / 1000;
  await vm.stop();
  const serial = vm.process.output();
  return { ...parseNfsRootSerial(serial), argv: vm.argv, serial, serialLog: vm.serialLog, seconds, ending };
}
