// What `bramble doctor` tells the user about other DHCP servers on the segment (pure; table tested).
import type { FoundDhcpServer } from '../dhcp/probe.js';

export interface Finding {
  readonly level: 'ok' | 'warn' | 'fail';
  readonly text: string;
}

export function dhcpAdvice(found: readonly FoundDhcpServer[], ownAddress: string, mode: 'off' | 'proxy' | 'full'): Finding[] {
  const others = found.filter((f) => f.server !== ownAddress);
  const addressing = others.filter((f) => !f.proxy);
  const proxies = others.filter((f) => f.proxy);
  const out: Finding[] = [];
  for (const f of others) {
    const what = f.proxy ? 'a proxyDHCP/PXE server' : `a DHCP server offering ${f.offeredAddress ?? 'an address'}`;
    out.push({ level: 'ok', text: `found ${what} at ${f.server}${f.bootFile ? ` (boot file ${f.bootFile})` : ''}` });
  }
  if (addressing.length === 0) {
    out.push(
      mode === 'full'
        ? { level: 'ok', text: 'no other DHCP server hands out addresses here: full mode is safe' }
        : { level: 'warn', text: 'no DHCP server hands out addresses here: proxy mode needs one (your router); use --dhcp-mode full if Bramble should be the DHCP server' },
    );
  } else if (mode === 'full') {
    out.push({ level: 'fail', text: `another DHCP server (${addressing.map((f) => f.server).join(', ')}) hands out addresses: two full DHCP servers fight; use --dhcp-mode proxy beside your router` });
  } else {
    out.push({ level: 'ok', text: 'your router hands out addresses: keep --dhcp-mode proxy (the default) beside it' });
  }
  if (proxies.length > 0 && mode !== 'off') {
    out.push({ level: 'warn', text: `another PXE/proxyDHCP server (${proxies.map((f) => f.server).join(', ')}) also answers boot requests: clients may boot from either; switch one off` });
  }
  return out;
}

/**
 * A port `serve` needs for NFS or iSCSI is taken: say which setting moves it; on 111 the usual holder is rpcbind,
 * on 3260 a kernel or tgt target.
 */
export function servicePortAdvice(what: string, port: number, flag: string, address: string, code: string): Finding {
  const holder =
    flag === '--portmap-port' ? ' (usually rpcbind: systemctl disable --now rpcbind.socket rpcbind)' : flag === '--iscsi-port' ? ' (usually tgt or the kernel target: systemctl disable --now tgt)' : '';
  const off = flag === '--iscsi-port' ? '--iscsi off' : '--nfs off';
  return { level: 'fail', text: `${what} port ${port} on ${address} cannot be bound (${code})${holder}; choose another with ${flag}, or serve with ${off}` };
}
