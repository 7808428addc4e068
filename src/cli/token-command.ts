// `bramble token create|ls|rm`: bearer tokens for scripts that use the REST API over HTTP.
import { parseArgs } from 'node:util';
import { withApi } from '../control/control-client.js';
import type { ApiToken } from '../store/schema.js';
import { dataDirFrom } from './data-dir.js';
import { failed } from './api-result.js';
import { table, usage, type Output } from './output.js';

const USAGE = 'token create NAME | ls [--json] | rm ID';

export async function tokenCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } } });
  const [action, arg, ...extra] = positionals;
  const dataDir = dataDirFrom(values['data-dir'], env);
  if (extra.length > 0) return usage(io, USAGE);
  if (action === 'create' && arg !== undefined) {
    return withApi(dataDir, async (call) => {
      const res = await call('POST', '/api/v1/tokens', { name: arg });
      if (failed(res, io)) return 1;
      const made = res.body as Omit<ApiToken, 'secretHash'> & { token: string };
      // The note goes to stderr so that TOKEN=$(bramble token create ci) captures the token alone.
      io.err(`token ${made.id} (${made.name}) made; this is the only time it is shown, send it as Authorization: Bearer <token>`);
      io.out(made.token);
      return 0;
    });
  }
  if (action === 'ls' && arg === undefined) {
    return withApi(dataDir, async (call) => {
      const res = await call('GET', '/api/v1/tokens');
      if (failed(res, io)) return 1;
      const tokens = res.body as Omit<ApiToken, 'secretHash'>[];
      if (values.json) io.out(JSON.stringify(tokens, null, 2));
      else if (tokens.length === 0) io.out('no tokens yet: make one with bramble token create NAME');
      else io.out(table([['ID', 'NAME', 'USER', 'CREATED', 'LAST USED'], ...tokens.map((t) => [t.id, t.name, t.user, t.createdAt, t.lastUsedAt ?? 'never'])]));
      return 0;
    });
  }
  if (action === 'rm' && arg !== undefined) {
    return withApi(dataDir, async (call) => {
      const res = await call('DELETE', `/api/v1/tokens/${encodeURIComponent(arg)}`);
      if (failed(res, io)) return 1;
      io.out(`token ${arg} revoked`);
      return 0;
    });
  }
  return usage(io, USAGE);
}
