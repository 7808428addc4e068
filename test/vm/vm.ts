// One test VM: QEMU started inside the test namespace on its tap device, with a hard time limit, watched on the
// serial console until the test initramfs prints its marker (or the kernel panics).
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../support/harness-error.js';
import { startProcess } from '../support/managed-process.js';
import type { ManagedProcess } from '../support/managed-process.js';
import type { Netns } from '../support/netns.js';
import { BOOT_END, explainPanic, readSerialLog } from './boot-marker.js';
import type { SerialReport } from './boot-marker.js';
import { OVMF_VARS_TEMPLATE, qemuArgs } from './qemu-args.js';
import type { QemuOptions } from './qemu-args.js';

export interface VmOptions extends Omit<QemuOptions, 'ovmfVars'> {
  readonly ns: Netns;
  /** Holds this run's OVMF variable store and serial.log. */
  readonly workDir: string;
  readonly label?: string;
  /** QEMU is killed after this long whatever happens (default 300 s). */
  readonly hardTimeoutMs?: number;
}

export interface BootResult extends SerialReport {
  /** From QEMU start to the marker, for the report; never asserted on. */
  readonly seconds: number;
}

export interface Vm {
  readonly argv: readonly string[];
  readonly process: ManagedProcess;
  readonly serialLog: string;
  /** Resolves once the marker is printed; rejects with KERNEL_PANIC, FIRMWARE_GAVE_UP, PROCESS_EXITED or WAIT_TIMEOUT. */
  waitForBoot(timeoutMs: number): Promise<BootResult>;
  stop(): Promise<void>;
}

export async function startVm(options: VmOptions): Promise<Vm> {
  let ovmfVars: string | undefined;
  if (options.firmware === 'uefi') {
    // OVMF writes boot entries into its variable store: each run starts from a fresh copy of the template.
    ovmfVars = join(options.workDir, 'OVMF_VARS.fd');
    await copyFile(OVMF_VARS_TEMPLATE, ovmfVars);
  }
  const { ns, workDir, label, hardTimeoutMs, ...qemu } = options;
  const argv = qemuArgs({ ...qemu, ovmfVars });
  const serialLog = join(workDir, 'serial.log');
  const name = label ?? `qemu (${options.firmware})`;
  const started = Date.now();
  const child = startProcess(ns.argv(argv), { label: name, logFile: serialLog });
  const limit = setTimeout(() => void child.stop(1_000), hardTimeoutMs ?? 300_000);
  limit.unref();

  return {
    argv,
    process: child,
    serialLog,
    waitForBoot: async (timeoutMs) => {
      await child.waitFor(BOOT_END, timeoutMs);
      const seconds = (Date.now() - started) / 1000;
      const report = readSerialLog(child.output());
      if (report.booted) return { ...report, seconds };
      if (report.panic !== undefined) {
        throw new HarnessError('KERNEL_PANIC', `${name}: kernel panic: ${explainPanic(report.panic)}\n${child.tail(30)}`);
      }
      throw new HarnessError(
        'FIRMWARE_GAVE_UP',
        `${name}: the firmware found nothing to boot (every network boot attempt failed); serial console:\n${child.tail(60)}`,
      );
    },
    stop: async () => {
      clearTimeout(limit);
      await child.stop(2_000);
    },
  };
}

/** A random locally administered unicast MAC in QEMU's 52:54:00 range, so each run is a machine never seen. */
export function randomMac(): string {
  const tail = Array.from({ length: 3 }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...tail].join(':');
}
