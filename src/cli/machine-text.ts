// How `bramble machine ls` and `machine show` print machines as the API returns them; pure.
import type { BootEvent } from '../store/boot-events.js';
import type { Machine } from '../store/schema.js';
import { table } from './output.js';
import { powerText } from './power-settings-args.js';

export type MachineView = Machine & { readonly state?: string; readonly events: readonly BootEvent[] };

export function machineTable(machines: readonly MachineView[]): string {
  return table([
    ['MAC', 'NAME', 'STATE', 'TAGS', 'IP', 'ARCH', 'FIRMWARE', 'PROFILE', 'LAST SEEN', 'LAST BOOT EVENTS'],
    ...machines.map((m) => [
      m.mac,
      m.name ?? '',
      m.state ?? '',
      (m.tags ?? []).join(','),
      m.ip ?? '',
      m.archName ?? '',
      m.firmware ?? '',
      assignment(m),
      m.lastSeen,
      timeline(m.events),
    ]),
  ]);
}

/** Every field as "key: value", then the recent boot and power events, oldest first. */
export function machineDetails(m: MachineView): string {
  const { events, ...facts } = m;
  const lines = Object.entries(facts).map(([key, value]) => `${key}: ${fieldText(key, value)}`);
  lines.push(events.length === 0 ? 'events: none yet' : 'events:');
  for (const e of events) lines.push(`  ${e.time}  ${e.stage.padEnd(7)} ${e.detail}`);
  return lines.join('\n');
}

export function assignment(m: Pick<Machine, 'profile' | 'bootOnce'>): string {
  if (m.bootOnce !== undefined) return `${m.bootOnce} (once)${m.profile === undefined ? '' : `, then ${m.profile}`}`;
  return m.profile ?? '';
}

function fieldText(key: string, value: unknown): string {
  if (key === 'power') return powerText(value as Record<string, unknown>);
  if (Array.isArray(value)) return value.join(', ');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The last boot, as a one-line chain of stages: dhcp > tftp > script > kernel > initrd. */
function timeline(events: readonly BootEvent[]): string {
  const stages: string[] = [];
  for (const e of events.slice(-12)) if (stages.at(-1) !== e.stage) stages.push(e.stage);
  return stages.join(' > ');
}
