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
  /** Called once QEMU is started (to register its stop with a teardown, say). */
  readonly onStart?: (stop: () => Promise<void>) => void;
}

export interface NfsRootRun extends NfsSerialReport {
  readonly argv: readonly string[];
  readonly serial: string;
  readonly serialLog: string;
  /** From QEMU start to its end, for the report; never asserted on. */
  readonly seconds: number;
  /** 'poweroff': QEMU exited by itself; 'panic' and 'timeout': the harness stopped it. */
  readonly ending: 'poweroff' | 'panic' | 'timeout';
}

export async function runNfsRootVm(options: NfsRootRunOptions): Promise<NfsRootRun> {
  const { role, timeoutMs, onStart, ...vmOptions } = options;
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
    // With panic=0 the kernel halts on a panic; without -no-reboot QEMU would otherwise sit there until the deadline.
    if (/Kernel panic - not syncing/.test(vm.process.output())) {
      await sleep(2_000);
      ending = 'panic';
      break;
    }
    await sleep(250);
  }
  const seconds = (Date.now() - started) / 1000;
  await vm.stop();
  const serial = vm.process.output();
  return { ...parseNfsRootSerial(serial), argv: vm.argv, serial, serialLog: vm.serialLog, seconds, ending };
}
