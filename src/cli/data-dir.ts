// Where a CLI command finds its data folder: --data-dir, then BRAMBLE_DATA_DIR, then the packaged default.
import { resolve } from 'node:path';
import { settingsTable } from '../config/settings-table.js';

export function dataDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(flag ?? env[settingsTable.dataDir.env] ?? settingsTable.dataDir.default);
}
