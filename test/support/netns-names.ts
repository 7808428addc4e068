// Names of the network namespaces tests create (prefix + creator pid), and picking the stale ones left by
// crashed runs out of `ip netns list` output (iproute2 ip-netns(8) format: "NAME" or "NAME (id: N)").

export const NETNS_PREFIX = 'bramble-test-';

export function netnsName(pid: number, serial: number): string {
  return `${NETNS_PREFIX}${pid}-${serial}`;
}

export function parseNetnsList(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (name !== undefined && name !== '') names.push(name);
  }
  return names;
}

/** The creator pid encoded in one of our names; undefined for anyone else's namespace. */
export function creatorPid(name: string): number | undefined {
  if (!name.startsWith(NETNS_PREFIX)) return undefined;
  const match = /^(\d+)-\d+$/.exec(name.slice(NETNS_PREFIX.length));
  if (match === null) return undefined;
  return Number(match[1]);
}

/** Our namespaces whose creating process is gone: other engineers' live runs are left alone. */
export function staleNamespaces(names: readonly string[], isAlive: (pid: number) => boolean): string[] {
  return names.filter((name) => {
    const pid = creatorPid(name);
    return pid !== undefined && !isAlive(pid);
  });
}
