// Boot-side endpoints of the inventory agent: its script, and the post of a booted machine's facts with its token.
//
// The token was put on the machine's kernel command line by its last boot script (one per boot, stored as a
// sha256 on the machine), so it proves which machine is talking; nothing else here needs or reveals a login.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAgentFacts, type AgentFacts } from '../inventory/agent-facts.js';
import type { Recorder } from '../inventory/recorder.js';
import type { Logger } from '../log/logger.js';
import { secretHash } from '../auth/secret-token.js';
import { packageRoot } from '../files/package-root.js';
import type { Store } from '../store/store.js';

export const AGENT_SCRIPT_PATH = '/agent/bramble-agent.sh';
export const AGENT_FACTS_PATH = '/agent/facts';
/** Real reports are 1-5 KB; the agent's own limit is what one wget argument holds. */
const MAX_FACTS_BYTES = 256 * 1024;

export interface AgentRoutesDeps {
  readonly store: Store;
  readonly recorder: Recorder;
  readonly log: Logger;
}

/** The script ships in src/ (tsc does not copy .sh files), found from the package root in both layouts. */
export function agentScriptFile(from: string = import.meta.url): string {
  const root = packageRoot(dirname(fileURLToPath(from)));
  return join(root ?? '.', 'src', 'inventory', 'agent', 'bramble-agent.sh');
}

export function agentRoutes(deps: AgentRoutesDeps): Hono {
  const app = new Hono();
  const { store, recorder, log } = deps;
  const denied = () => new Response('forbidden\n', { status: 403, headers: { 'content-type': 'text/plain' } });

  app.get(AGENT_SCRIPT_PATH, async (c) => {
    c.header('content-type', 'text/x-shellscript; charset=utf-8');
    c.header('cache-control', 'no-cache');
    return c.body(await readFile(agentScriptFile()));
  });

  app.post(
    AGENT_FACTS_PATH,
    bodyLimit({ maxSize: MAX_FACTS_BYTES, onError: (c) => c.text('too large\n', 413) }),
    async (c) => {
      const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (token === undefined) return denied();
      const hash = secretHash(token);
      const machine = store.read().machines.find((m) => m.agentTokenHash === hash);
      if (machine === undefined) return denied();
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json({ error: { code: 'BAD_JSON', message: 'the body is not JSON' } }, 400);
      }
      const checked = checkAgentFacts(body);
      if (!checked.ok) return c.json({ error: { code: 'INVALID_FACTS', message: `${checked.field}: ${checked.error}`, field: checked.field } }, 400);
      const facts = checked.facts;
      const at = new Date().toISOString();
      await store.update((draft) => {
        const m = draft.machines.find((x) => x.mac === machine.mac);
        if (m === undefined) return;
        m.hardware = structuredClone(facts) as unknown as Record<string, unknown>;
        m.hardwareAt = at;
        // SMBIOS identity from the running system fills in what iPXE did not report.
        for (const key of ['manufacturer', 'product', 'serial', 'uuid', 'hostname'] as const) {
          const value = facts[key];
          if (value !== undefined && m[key] === undefined) m[key] = value;
        }
      });
      recorder.event(machine.mac, 'note', `inventory agent reported: ${summary(facts)}`, { agent: true });
      log.info('agent facts', { mac: machine.mac, disks: facts.disks.length, nics: facts.nics.length });
      return c.json({ ok: true });
    },
  );
  return app;
}

function summary(facts: AgentFacts): string {
  const parts: string[] = [];
  if (facts.cpu?.model !== undefined) parts.push(`${facts.cpu.model}${facts.cpu.threads === undefined ? '' : ` x${facts.cpu.threads}`}`);
  if (facts.memoryBytes !== undefined) parts.push(`${(facts.memoryBytes / 2 ** 30).toFixed(1)} GiB`);
  parts.push(`${facts.disks.length} disk(s)`, `${facts.nics.length} NIC(s)`);
  return parts.join(', ');
}

