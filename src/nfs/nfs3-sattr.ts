// Settable attributes (RFC 1813 §2.6 sattr3, with §3.3.2 sattrguard3 and §3.3.8 createhow3).
//
// Each optional field is null when the client leaves it alone (the discriminant is FALSE or DONT_CHANGE);
// times say whether to use the server's clock or the client's.
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';
import { readNfstime3, readVerf8, writeNfstime3, writeVerf8 } from './nfs3-types.js';
import type { Nfstime3 } from './nfs3-types.js';

export const TimeHow = { dontChange: 0, setToServerTime: 1, setToClientTime: 2 } as const;
const TIME_HOWS: ReadonlySet<number> = new Set(Object.values(TimeHow));

export const CreateMode3 = { unchecked: 0, guarded: 1, exclusive: 2 } as const;
const CREATE_MODES: ReadonlySet<number> = new Set(Object.values(CreateMode3));

/** set_atime / set_mtime: null for DONT_CHANGE. */
export type SetTime = { readonly how: 'server' } | { readonly how: 'client'; readonly time: Nfstime3 } | null;

export interface Sattr3 {
  readonly mode: number | null;
  readonly uid: number | null;
  readonly gid: number | null;
  readonly size: number | null;
  readonly atime: SetTime;
  readonly mtime: SetTime;
}

export const SATTR3_NONE: Sattr3 = Object.freeze({ mode: null, uid: null, gid: null, size: null, atime: null, mtime: null });

/** sattrguard3: the ctime the object must still have for SETATTR to go ahead, or null for no check. */
export type Sattrguard3 = Nfstime3 | null;

export type Createhow3 =
  | { readonly mode: 'unchecked' | 'guarded'; readonly attributes: Sattr3 }
  | { readonly mode: 'exclusive'; readonly verf: Uint8Array };

export function readSattr3(r: XdrReader): Sattr3 {
  return {
    mode: r.optional((x) => x.uint()),
    uid: r.optional((x) => x.uint()),
    gid: r.optional((x) => x.uint()),
    size: r.optional((x) => x.uhyperNumber()),
    atime: readSetTime(r, 'set_atime'),
    mtime: readSetTime(r, 'set_mtime'),
  };
}

export function writeSattr3(w: XdrWriter, s: Sattr3): void {
  w.optional(s.mode, (x, v) => x.uint(v));
  w.optional(s.uid, (x, v) => x.uint(v));
  w.optional(s.gid, (x, v) => x.uint(v));
  w.optional(s.size, (x, v) => x.uhyper(v));
  writeSetTime(w, s.atime);
  writeSetTime(w, s.mtime);
}

function readSetTime(r: XdrReader, what: string): SetTime {
  switch (r.enumOf(TIME_HOWS, what)) {
    case TimeHow.setToServerTime:
      return { how: 'server' };
    case TimeHow.setToClientTime:
      return { how: 'client', time: readNfstime3(r) };
    default:
      return null;
  }
}

function writeSetTime(w: XdrWriter, t: SetTime): void {
  if (t === null) {
    w.enum(TimeHow.dontChange);
  } else if (t.how === 'server') {
    w.enum(TimeHow.setToServerTime);
  } else {
    w.enum(TimeHow.setToClientTime);
    writeNfstime3(w, t.time);
  }
}

export function readSattrguard3(r: XdrReader): Sattrguard3 {
  return r.optional(readNfstime3);
}

export function writeSattrguard3(w: XdrWriter, g: Sattrguard3): void {
  w.optional(g, writeNfstime3);
}

export function readCreatehow3(r: XdrReader): Createhow3 {
  switch (r.enumOf(CREATE_MODES, 'createmode3')) {
    case CreateMode3.exclusive:
      return { mode: 'exclusive', verf: readVerf8(r, 'createverf3') };
    case CreateMode3.guarded:
      return { mode: 'guarded', attributes: readSattr3(r) };
    default:
      return { mode: 'unchecked', attributes: readSattr3(r) };
  }
}

export function writeCreatehow3(w: XdrWriter, how: Createhow3): void {
  w.enum(CreateMode3[how.mode]);
  if (how.mode === 'exclusive') writeVerf8(w, how.verf, 'createverf3');
  else writeSattr3(w, how.attributes);
}
