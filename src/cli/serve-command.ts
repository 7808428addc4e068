// `bramble serve`: reads the configuration, starts every service, and stops them cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { hostInterfaces } from '../net/host-interfaces.js';
import { resolve } from 'node:path';
import { settingsTable, type SettingName } from '../config/settings-table.js';
import { ConfigError, loadServeConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { startBramble } from '../main.js';
import { serveHelp } from './usage.js';
import type { Output } from './output.js';

export async function serveCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' }, help: { type: 'boolean' } };
  for (const s of Object.values(settingsTable)) options[s.flag] = { type: 'string' };
  const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  if (parsed.values.help) {
    io.out(serveHelp());
    return 0;
  }
  const flags: Partial<Record<SettingName, unknown>> = {};
  for (const [name, s] of Object.entries(settingsTable)) {
    const v = parsed.values[s.flag];
    if (v !== undefined) flags[name as SettingName] = v;
  }
  const configFile = (parsed.values.config as string | undefined) ?? env.BRAMBLE_CONFIG ?? null;
  let config;
  try {
    config = await loadServeConfig({ flags, env, configFile: configFile === null ? null : resolve(configFile), interfaces: hostInterfaces });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`bramble: ${error.message}`);
      return 2;
    }
    throw error;
  }
  config = { ...config, dataDir: resolve(config.dataDir) };
  const log = createLogger({ level: config.logLevel, write: (line) => process.stdout.write(line) });
  let running;
  try {
    running = await startBramble(config, log);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    io.err(`bramble: cannot start: ${e.message}${e.code === 'EACCES' ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE; see README)' : ''}`);
    return 1;
  }
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      log.info('stopping', { signal });
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.stop().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log.info('stopped');
  return 0;
}
