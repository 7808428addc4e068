// The big, self-checking store content written by the crash test's child: every part names the same sequence number.
import type { StoreData } from '../../../src/store/schema.js';
import type { Mutable } from '../../../src/store/store.js';

const PROFILES = 16;
const SCRIPT_BYTES = 16 * 1024;

const titleOf = (seq: number): string => `crash seq ${seq}`;
const scriptOf = (seq: number): string => `${seq}|`.repeat(Math.ceil(SCRIPT_BYTES / (String(seq).length + 1)));

/** Rewrites about 256 KiB of the draft, all of it derived from `seq`. */
export function writePayload(draft: Mutable<StoreData>, seq: number): void {
  draft.settings.menu.title = titleOf(seq);
  const script = scriptOf(seq);
  draft.profiles = Array.from({ length: PROFILES }, (_, i) => ({
    name: `p${i}`,
    kind: 'script' as const,
    script,
    createdAt: new Date(seq * 1000).toISOString(),
  }));
}

/** The sequence number the store holds (0 for a fresh store); throws when its parts disagree. */
export function payloadSeq(data: StoreData): number {
  if (data.profiles.length === 0 && !data.settings.menu.title.startsWith('crash seq ')) return 0;
  const match = /^crash seq (\d+)$/.exec(data.settings.menu.title);
  if (match === null) throw new Error(`unexpected title ${JSON.stringify(data.settings.menu.title)}`);
  const seq = Number(match[1]);
  if (data.profiles.length !== PROFILES) throw new Error(`seq ${seq}: ${data.profiles.length} profiles, expected ${PROFILES}`);
  const script = scriptOf(seq);
  data.profiles.forEach((profile, i) => {
    const ok = profile.name === `p${i}` && profile.script === script && profile.createdAt === new Date(seq * 1000).toISOString();
    if (!ok) throw new Error(`seq ${seq}: profile ${i} belongs to another write`);
  });
  return seq;
}
