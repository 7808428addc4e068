// Bramble's side of the NFS benchmark: `bramble serve` with NFS on and the exports the area measures.
import { BenchError } from './bench-error.js';
import type { Cleanup } from './cleanup.js';
import type { NfsSide } from './nfs.js';

export interface BrambleNfsOptions {
  readonly workDir: string;
  readonly dataDir: string;
  readonly rootsDir: string;
  readonly fileRoot: string;
  readonly treeRoot: string;
  readonly cleanup: Cleanup;
}

export async function prepareBrambleNfs(_options: BrambleNfsOptions): Promise<NfsSide> {
  throw new BenchError('TOOL_MISSING', 'bramble serve has no NFS wiring yet');
}
