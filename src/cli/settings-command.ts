// `bramble settings get|set`: stored settings such as the boot menu's title, timeout and default entry.
import { parseArgs } from 'node:util';
import { withApi } from '../control/control-client.js';
import { dataDirFrom } from './data-dir.js';
import { failed } from './api-result.js';
import type { Output } from './output.js';

export async function settingsCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { 'data-dir': { type: 'string' } } });
  const [action, key, value] = positionals;
  const dataDir = dataDirFrom(values['data-dir'], env);
  if (action === 'get') {
    return withApi(dataDir, async (call) => {
      const res = await call('GET', '/api/v1/settings');
      if (failed(res, io)) return 1;
      io.out(JSON.stringify(res.body, null, 2));
      return 0;
    });
  }
  if (action === 'set' && key !== undefined && value !== undefined) {
    return withApi(dataDir, async (call) => {
      const res = await call('PATCH', '/api/v1/settings', { [key]: value });
      if (failed(res, io)) return 1;
      io.out(`${key} = ${value}`);
      return 0;
    });
  }
  io.err('Usage: bramble settings get | set KEY VALUE   (keys: menu.title, menu.timeoutSeconds, menu.defaultEntry)');
  return 2;
}
