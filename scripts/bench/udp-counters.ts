// A namespace's UDP counters from /proc/net/snmp (RFC 4113 udpInDatagrams plus Linux's RcvbufErrors): tells
// whether lost DHCP exchanges died in a full socket receive buffer rather than in the server's logic.
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';

export interface UdpCounters {
  readonly inDatagrams: number;
  readonly rcvbufErrors: number;
}

/** /proc/net/snmp holds a "Udp:" header line of names and a "Udp:" line of values. */
export function parseUdpCounters(snmp: string): UdpCounters | null {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length < 2) return null;
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  const get = (name: string): number | null => {
    const i = names.indexOf(name);
    return i === -1 || !Number.isFinite(values[i]) ? null : values[i]!;
  };
  const inDatagrams = get('InDatagrams');
  const rcvbufErrors = get('RcvbufErrors');
  return inDatagrams === null || rcvbufErrors === null ? null : { inDatagrams, rcvbufErrors };
}

export async function readUdpCounters(netns: string): Promise<UdpCounters> {
  const outcome = await runCommand(['ip', 'netns', 'exec', netns, 'cat', '/proc/net/snmp'], { timeoutMs: 10_000 });
  const counters = outcome.code === 0 ? parseUdpCounters(outcome.stdout) : null;
  if (counters === null) throw new BenchError('OUTPUT_UNPARSED', `no UDP counters in /proc/net/snmp of ${netns}: ${outcome.stderr.trim()}`);
  return counters;
}
