// `bramble wake MACHINE`: a Wake-on-LAN magic packet from the server, also for a MAC Bramble has never seen.
import { parseArgs } from 'node:util';
import { withApi } from '../control/control-client.js';
import { dataDirFrom } from './data-dir.js';
import { lookupMachine } from './machine-ref.js';
import { printPowerResult } from './power-command.js';
import { usage, type Output } from './output.js';

const USAGE = 'wake MACHINE [--secure-on HEX] [--port 7|9] [--count 1-10]';

export async function wakeCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { 'data-dir': { type: 'string' }, 'secure-on': { type: 'string' }, port: { type: 'string' }, count: { type: 'string' } },
  });
  const [machine, ...extra] = positionals;
  if (machine === undefined || extra.length > 0) return usage(io, USAGE);
  // Checked here too so that a typo is a usage error even with no server to ask.
  if (values.port !== undefined && values.port !== '7' && values.port !== '9') return badFlag(io, '--port: must be 9 (the usual) or 7');
  if (values.count !== undefined && !/^(?:[1-9]|10)$/.test(values.count)) return badFlag(io, '--count: must be a whole number from 1 to 10');
  const body = {
    ...(values['secure-on'] === undefined ? {} : { secureOn: values['secure-on'] }),
    ...(values.port === undefined ? {} : { port: Number(values.port) }),
    ...(values.count === undefined ? {} : { count: Number(values.count) }),
  };
  return withApi(dataDirFrom(values['data-dir'], env), async (call) => {
    const ref = await lookupMachine(call, machine);
    if (!ref.ok) {
      io.err(`bramble wake: ${ref.message}`);
      return 1;
    }
    const code = printPowerResult(await call('POST', '/api/v1/wake', { mac: ref.mac, ...body }), `wake ${ref.mac}`, io);
    if (code === 0) io.out(`the server watches for ${ref.mac} to boot: see bramble machine show ${ref.mac}`);
    return code;
  });
}

function badFlag(io: Output, message: string): number {
  io.err(`bramble wake: ${message}`);
  return usage(io, USAGE);
}
