// The two ways the RPC TCP transport runs: without the native send_file addon, and with it (connections read
// into a shared buffer, READ data sent from the kernel). The addon must be built in CI; locally, without it,
// tests run the first way only.
import { loadKernelRecordSend, type KernelRecordSend } from '../../src/rpc/kernel-record-send.js';
import { isCi } from '../support/require-tool.js';

export interface KernelMode {
  readonly how: string;
  readonly kernelSend?: KernelRecordSend;
}

/** `without` and `with` name the two modes in test names. */
export function kernelModes(without: string, withAddon: string): KernelMode[] {
  const kernel = loadKernelRecordSend();
  if (kernel.send === null) {
    if (isCi()) throw new Error(`the sendfile addon must be built in CI: ${kernel.reason}`);
    return [{ how: without }];
  }
  return [{ how: without }, { how: withAddon, kernelSend: kernel.send }];
}
