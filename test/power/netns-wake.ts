// Bramble's Wake-on-LAN sender as a child process, for tests that run it inside a network namespace.
//
// Prints "result {json}" with the PowerResult. Usage: node --import tsx test/power/netns-wake.ts JSON, where JSON
// is { via: 'driver' | 'wake', mac, serving, settings?, unbound? }; settings go through parseWolSettings, and
// unbound: true sends as a host without the native addon would.
import { parseWolSettings } from '../../src/power/wol-settings.js';
import { wakeMac, wolDriver } from '../../src/power/wol.js';
import type { ServingInterface } from '../../src/power/wol.js';

interface Job {
  readonly via: 'driver' | 'wake';
  readonly mac: string;
  readonly serving: ServingInterface;
  readonly settings?: unknown;
  readonly unbound?: boolean;
}

const [arg] = process.argv.slice(2);
if (arg === undefined) {
  process.stderr.write('usage: netns-wake.ts JSON\n');
  process.exit(2);
}
const job = JSON.parse(arg) as Job;
const check = parseWolSettings(job.settings);
if (!check.ok) {
  process.stderr.write(`bad settings: ${check.field} ${check.error}\n`);
  process.exit(2);
}
const native = job.unbound === true ? { native: { ok: false as const, reason: 'left out by the test' } } : {};
const result =
  job.via === 'driver'
    ? await wolDriver(check.settings, { mac: job.mac, serving: job.serving, ...native }).run('on', AbortSignal.timeout(10_000))
    : await wakeMac(job.mac, { serving: job.serving, settings: check.settings, ...native });
process.stdout.write(`result ${JSON.stringify(result)}\n`);
