// `bramble power on|off|cycle|status MACHINE`: a power action through the machine's driver, run by the server.
import { parseArgs } from 'node:util';
import { withApi, type ApiResponse } from '../control/control-client.js';
import { dataDirFrom } from './data-dir.js';
import { apiError } from './api-result.js';
import { lookupMachine } from './machine-ref.js';
import { usage, type Output } from './output.js';

const ACTIONS = ['on', 'off', 'cycle', 'status'] as const;
const USAGE = `power ${ACTIONS.join('|')} MACHINE`;

export async function powerCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { 'data-dir': { type: 'string' } } });
  const [action, machine, ...extra] = positionals;
  if (action === undefined || !(ACTIONS as readonly string[]).includes(action) || machine === undefined || extra.length > 0) return usage(io, USAGE);
  return withApi(dataDirFrom(values['data-dir'], env), async (call) => {
    const ref = await lookupMachine(call, machine);
    if (!ref.ok) {
      io.err(`bramble power: ${ref.message}`);
      return 1;
    }
    const res = await call('POST', `/api/v1/machines/${ref.mac}/power`, { action });
    return printPowerResult(res, `${action} ${ref.mac}`, io);
  });
}

/** Prints `what: state (detail)`, or the failure's code and message; returns the exit code. */
export function printPowerResult(res: ApiResponse, what: string, io: Output): number {
  const error = apiError(res);
  if (error !== null) {
    io.err(error.code === 'NO_SERVER' ? `bramble: ${error.message}` : `bramble: ${what} failed: ${error.code}: ${error.message}`);
    return 1;
  }
  const result = res.body as { state?: string; detail?: string };
  io.out(`${what}: ${result.state ?? 'unknown'}${result.detail === undefined ? '' : ` (${result.detail})`}`);
  return 0;
}
