// `bramble ssh-key`: Bramble's SSH public key, for authorized_keys on machines the ssh power driver switches off.
import { parseArgs } from 'node:util';
import { withApi } from '../control/control-client.js';
import { dataDirFrom } from './data-dir.js';
import { failed } from './api-result.js';
import { usage, type Output } from './output.js';

export async function sshKeyCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { 'data-dir': { type: 'string' } } });
  if (positionals.length > 0) return usage(io, 'ssh-key');
  return withApi(dataDirFrom(values['data-dir'], env), async (call) => {
    const res = await call('GET', '/api/v1/power/ssh-key');
    if (failed(res, io)) return 1;
    io.out((res.body as { publicKey: string }).publicKey.trimEnd());
    return 0;
  });
}
