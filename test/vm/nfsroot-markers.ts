// Reads the serial console of an NFS-root test VM: the markers of the NFS-root initramfs (nfsroot/init) and of
// the golden root's scenario (nfsroot/scenario-init, checks.sh), split into one record per boot of the machine.

/** A line that ends a boot, well or badly: wait for it (or for QEMU to exit), then parse the whole log. */
export const NFS_BOOT_END = /BRAMBLE-NFS-END (reboot|poweroff)|BRAMBLE-NFSROOT-FAILED|BRAMBLE-NFS-ABORTED|Kernel panic - not syncing/;

export interface NfsCheck {
  readonly phase: string;
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface NfsBoot {
  readonly cmdline?: string;
  /** The address udhcpc got. */
  readonly ip?: string;
  /** "SERVER:/PATH OPTIONS" as /init mounted it. */
  readonly mounted?: string;
  /** The root's line in /proc/mounts, as the kernel reports the options it settled on. */
  readonly rootMount?: string;
  readonly role?: string;
  readonly phases: readonly string[];
  readonly checks: readonly NfsCheck[];
  /** Per phase, the counts the scenario printed at its end. */
  readonly done: ReadonlyMap<string, { readonly pass: number; readonly fail: number }>;
  /** Per phase, guest uptime in seconds at its start and end (for the report only). */
  readonly times: ReadonlyMap<string, { readonly start?: number; readonly end?: number }>;
  readonly end?: 'reboot' | 'poweroff';
  /** BRAMBLE-NFSROOT-FAILED: the initramfs could not mount the root. */
  readonly mountFailure?: string;
  /** The scenario stopped early (its EXIT trap ran) in this phase. */
  readonly aborted?: string;
  readonly insmodFailures: readonly string[];
}

export interface NfsSerialReport {
  readonly boots: readonly NfsBoot[];
  readonly panic?: string;
}

interface MutableBoot {
  cmdline?: string;
  ip?: string;
  mounted?: string;
  rootMount?: string;
  role?: string;
  phases: string[];
  checks: NfsCheck[];
  done: Map<string, { pass: number; fail: number }>;
  times: Map<string, { start?: number; end?: number }>;
  end?: 'reboot' | 'poweroff';
  mountFailure?: string;
  aborted?: string;
  insmodFailures: string[];
}

export function parseNfsRootSerial(text: string): NfsSerialReport {
  const boots: MutableBoot[] = [];
  let panic: string | undefined;
  let boot: MutableBoot | undefined;
  for (const raw of text.split('\n')) {
    // Kernel messages may land in the middle of a marker line; markers are matched anywhere in the line.
    const line = raw.replace(/\r/g, '');
    let m: RegExpExecArray | null;
    if (line.includes('BRAMBLE-NFSROOT-INIT')) {
      boot = { phases: [], checks: [], done: new Map(), times: new Map(), insmodFailures: [] };
      boots.push(boot);
      continue;
    }
    if (panic === undefined && (m = /Kernel panic - not syncing: (.*)$/.exec(line)) !== null) panic = m[1]!.trim();
    if (boot === undefined) continue;
    if ((m = /BRAMBLE-CMDLINE (.*)$/.exec(line)) !== null) boot.cmdline = m[1]!.trim();
    else if ((m = /BRAMBLE-NET-OK \S+ (\S+)/.exec(line)) !== null) boot.ip ??= m[1]!;
    else if ((m = /BRAMBLE-INSMOD-FAILED (\S+)/.exec(line)) !== null) boot.insmodFailures.push(m[1]!);
    else if ((m = /BRAMBLE-NFSROOT-MOUNTED (.*)$/.exec(line)) !== null) boot.mounted = m[1]!.trim();
    else if ((m = /BRAMBLE-NFSROOT-FAILED (.*)$/.exec(line)) !== null) boot.mountFailure = m[1]!.trim();
    else if ((m = /BRAMBLE-NFS-ROLE (\S+)/.exec(line)) !== null) boot.role = m[1]!;
    else if ((m = /BRAMBLE-NFS-ROOT (.*)$/.exec(line)) !== null) boot.rootMount = m[1]!.trim();
    else if ((m = /BRAMBLE-NFS-PHASE (\S+)(?: at=([\d.]+))?/.exec(line)) !== null) {
      boot.phases.push(m[1]!);
      if (m[2] !== undefined) boot.times.set(m[1]!, { start: Number(m[2]) });
    }
    else if ((m = /BRAMBLE-NFS-CHECK (PASS|FAIL) ([^/\s]+)\/(\S+) ?(.*)$/.exec(line)) !== null) {
      boot.checks.push({ phase: m[2]!, name: m[3]!, ok: m[1] === 'PASS', detail: m[4]!.trim() });
    } else if ((m = /BRAMBLE-NFS-DONE (\S+) pass=(\d+) fail=(\d+)(?: at=([\d.]+))?/.exec(line)) !== null) {
      boot.done.set(m[1]!, { pass: Number(m[2]), fail: Number(m[3]) });
      if (m[4] !== undefined) boot.times.set(m[1]!, { ...boot.times.get(m[1]!), end: Number(m[4]) });
    } else if ((m = /BRAMBLE-NFS-END (reboot|poweroff)/.exec(line)) !== null) boot.end = m[1] as 'reboot' | 'poweroff';
    else if ((m = /BRAMBLE-NFS-ABORTED (\S*)/.exec(line)) !== null) boot.aborted = m[1]!;
  }
  return { boots, panic };
}

/** "golden 9.7-12.1 s, boot1 12.1-33.0 s": where a boot's time went, by guest uptime. */
export function describeTimes(boot: NfsBoot): string {
  return boot.phases
    .map((p) => {
      const t = boot.times.get(p);
      return `${p} ${t?.start?.toFixed(1) ?? '?'}-${t?.end?.toFixed(1) ?? '?'} s`;
    })
    .join(', ');
}

/** The checks of one phase, failed ones first: for assertion messages. */
export function describeChecks(boot: NfsBoot, phase: string): string {
  const checks = boot.checks.filter((c) => c.phase === phase);
  const failed = checks.filter((c) => !c.ok).map((c) => `FAIL ${c.name}: ${c.detail}`);
  const passed = checks.filter((c) => c.ok).map((c) => c.name);
  return `${phase}: ${failed.length} failed, ${passed.length} passed${failed.length > 0 ? `\n  ${failed.join('\n  ')}` : ''}`;
}

/**
 * Problems with one phase of a boot: it did not run, printed no summary, has failed checks, or ran fewer checks
 * than expected (a check that never printed is as bad as one that failed). Empty when the phase is clean.
 */
export function phaseProblems(boot: NfsBoot, phase: string, minChecks: number): string[] {
  const problems: string[] = [];
  if (!boot.phases.includes(phase)) return [`phase ${phase} never started (phases: ${boot.phases.join(', ') || 'none'})`];
  const checks = boot.checks.filter((c) => c.phase === phase);
  for (const c of checks.filter((x) => !x.ok)) problems.push(`${phase}/${c.name} failed: ${c.detail}`);
  const done = boot.done.get(phase);
  if (done === undefined) problems.push(`phase ${phase} printed no summary (aborted: ${boot.aborted ?? 'no'})`);
  else if (done.pass !== checks.filter((c) => c.ok).length || done.fail !== checks.filter((c) => !c.ok).length) {
    problems.push(`phase ${phase}: summary pass=${done.pass} fail=${done.fail} does not match the ${checks.length} check lines read`);
  }
  if (checks.length < minChecks) problems.push(`phase ${phase}: ${checks.length} checks, expected at least ${minChecks}`);
  return problems;
}
