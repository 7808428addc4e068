// Decides which boot script a machine gets when iPXE asks for /boot.ipxe (pure; table tested).
import type { Machine, Profile } from '../store/schema.js';

export type ScriptChoice =
  | { readonly kind: 'profile'; readonly profile: Profile; readonly reason: 'requested' | 'boot-once' | 'assigned' | 'default'; readonly clearBootOnce: boolean }
  | { readonly kind: 'menu'; readonly reason: string }
  | { readonly kind: 'missing-profile'; readonly name: string; readonly reason: string };

export interface ScriptChoiceInput {
  readonly machine: Machine | undefined;
  readonly profiles: readonly Profile[];
  readonly defaultProfile: string | null;
  /** A profile picked from the menu (the menu chains to /boot.ipxe?profile=NAME). */
  readonly requested: string | null;
}

export function chooseScript(input: ScriptChoiceInput): ScriptChoice {
  const find = (name: string) => input.profiles.find((p) => p.name === name);
  const pick = (name: string, reason: 'requested' | 'boot-once' | 'assigned' | 'default', clearBootOnce: boolean): ScriptChoice => {
    const profile = find(name);
    if (profile === undefined) return { kind: 'missing-profile', name, reason: `${reason} profile "${name}" does not exist` };
    return { kind: 'profile', profile, reason, clearBootOnce };
  };
  const once = input.machine?.bootOnce;
  if (input.requested !== null) return pick(input.requested, 'requested', false);
  if (once !== undefined) return pick(once, 'boot-once', true);
  if (input.machine?.profile !== undefined) return pick(input.machine.profile, 'assigned', false);
  if (input.defaultProfile !== null) return pick(input.defaultProfile, 'default', false);
  return { kind: 'menu', reason: input.machine === undefined ? 'unknown machine' : 'no profile assigned' };
}
