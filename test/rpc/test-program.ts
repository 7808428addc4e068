// An RPC program for server tests (RFC 5531 §7: a number in the user-defined range): echo, add, a slow procedure
// the test releases, one that throws, one with results of a requested size, one that reports its caller, and one
// whose outcome breaks dispatch itself.
import type { RpcHandler, RpcOutcome, RpcProgram } from '../../src/rpc/rpc-program.js';

export const TEST_PROG = 0x2000_0099;
export const SYS_PROG = 0x2000_009a;
export const Proc = { echo: 1, add: 2, slow: 3, fail: 4, big: 5, whoami: 6, drop: 7, brokenOutcome: 8 } as const;

export interface TestProgram {
  readonly programs: RpcProgram[];
  /** How many SLOW calls have started. */
  slowStarted(): number;
  /** Lets one waiting SLOW call finish (or the next one to start). */
  releaseOne(): void;
  releaseAll(): void;
}

export function createTestProgram(): TestProgram {
  let started = 0;
  let credit = 0;
  let all = false;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) credit++;
    else next();
  };
  const whoami: RpcHandler = ({ auth, client, call }, w) => {
    w.string(`${auth.flavor}:${auth.flavor === 'sys' ? auth.uid : '-'}:${client.transport}:${call.vers}`);
  };
  const procedures = new Map<number, RpcHandler>([
    [Proc.echo, ({ args }, w) => void w.opaque(args.opaque(1024, 'echo data'))],
    [
      Proc.add,
      ({ args }, w) => {
        w.int(args.int() + args.int());
      },
    ],
    [
      Proc.slow,
      async ({ args }, w) => {
        const tag = args.uint();
        started++;
        if (!all) {
          if (credit > 0) credit--;
          else await new Promise<void>((resolve) => waiting.push(resolve));
        }
        w.uint(tag);
        // An optional payload, read only after the wait: a record reused too early would show here.
        if (args.remaining > 0) w.uint(args.opaque(2 * 1024 * 1024, 'slow payload').reduce((sum, b) => (sum + b) >>> 0, 0));
      },
    ],
    [
      Proc.fail,
      () => {
        throw new Error('handler bug');
      },
    ],
    [
      Proc.big,
      ({ args }, w) => {
        const size = args.uint();
        if (size > 1024 * 1024) return { kind: 'garbage_args' };
        w.appendOpaque(Buffer.alloc(size, 0x5a));
        return undefined;
      },
    ],
    [Proc.whoami, whoami],
    [Proc.drop, () => ({ kind: 'drop' })],
    // An outcome that throws when dispatch reads it: a stand-in for a bug past the handler, in dispatch itself.
    [
      Proc.brokenOutcome,
      () =>
        ({
          get kind(): never {
            throw new Error('dispatch bug');
          },
        }) as unknown as RpcOutcome,
    ],
  ]);
  return {
    programs: [
      { prog: TEST_PROG, vers: { low: 1, high: 2 }, procedures, name: 'test' },
      { prog: SYS_PROG, vers: new Set([3]), procedures: new Map([[1, whoami]]), auth: 'sys', name: 'test-sys' },
    ],
    slowStarted: () => started,
    releaseOne: release,
    releaseAll: () => {
      all = true;
      while (waiting.length > 0) release();
    },
  };
}
