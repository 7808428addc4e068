// The SendTargets text key (RFC 7143 Appendix C): which targets a session lists, and their addresses. Pure.
import type { TextKeys } from './text-keys.js';

export interface SendTargetsContext {
  readonly sessionType: 'Normal' | 'Discovery';
  /** The target of a normal session. */
  readonly current: string | null;
  /** Every target this initiator may use. */
  readonly visible: readonly string[];
  /** host:port as the initiator reached us. */
  readonly portal: string;
  readonly tag: number;
}

/**
 * "All" lists every visible target in a discovery session (in a normal session, only its own: RFC 7143 C.1);
 * an empty value means the session's own target; a name lists that target if this initiator may see it.
 */
export function sendTargets(value: string, ctx: SendTargetsContext): TextKeys {
  let names: readonly string[];
  if (value === 'All') names = ctx.sessionType === 'Discovery' ? ctx.visible : ctx.current === null ? [] : [ctx.current];
  else if (value === '') names = ctx.current === null ? [] : [ctx.current];
  else names = ctx.visible.includes(value) ? [value] : [];
  return names.flatMap((name) => [
    ['TargetName', name],
    ['TargetAddress', `${ctx.portal},${ctx.tag}`],
  ] as const);
}
