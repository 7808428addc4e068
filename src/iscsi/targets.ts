// What the iSCSI server asks of the product (RFC 7143 §3.2.6 names, §12 security): which targets exist, who may
// see and log in to each, with which CHAP secrets, and the device behind each.
import type { BlockDevice } from './block-device.js';
import type { ChapPolicy, TargetLookup } from './login.js';

export interface IscsiTarget {
  /** The target's iSCSI name (iqn....). */
  readonly name: string;
  readonly device: BlockDevice;
}

export interface IscsiTargets {
  /** A normal session's target, if the initiator (by iSCSI name and address) may use it, with its CHAP. */
  find(targetName: string, initiatorName: string, address: string): TargetLookup<IscsiTarget>;
  /** Names SendTargets=All lists to this initiator: only targets it may use. */
  visible(initiatorName: string, address: string): readonly string[];
  /** CHAP for discovery sessions; null: any initiator may list (and sees only its own targets). */
  readonly discoveryChap: ChapPolicy | null;
}
