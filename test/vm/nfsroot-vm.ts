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
  const { role, timeoutMs, maxBoots, onStart, ...vmOptions } = options;
  const started = Date.now();
  const vm = await startVm({
    ...vmOptions,
    onReboot: 'restart',
    oemStrings: [roleOemString(role)],
    hardTimeoutMs: timeoutMs + 10_000,
  });
  onStart?.(() => vm.stop());
  let ending: NfsRootRun['ending'] = 'timeout';
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
    await sleep(250);
  }
  const seconds = (Date.now() - started) / 1000;
  await vm.stop();
  const serial = vm.process.output();
  return { ...parseNfsRootSerial(serial), argv: vm.argv, serial, serialLog: vm.serialLog, seconds, ending };
}
