// Markdown for BENCHMARKS.md: tables, number formats, and rewriting one area's marked section in place so that
// `npm run bench -- tftp` leaves the other areas' figures (and any hand-written text) alone.

export interface AreaSection {
  /** Area name as given on the command line; also names the section markers. */
  readonly name: string;
  /** Markdown between the markers, starting with the area's heading. */
  readonly markdown: string;
}

export const DOCUMENT_HEADER = `# Bramble benchmarks

Bramble measured side by side with the peer servers it replaces, in the same run, on the same machine.
The machines are shared and noisy (2 cores, other engineers' test suites running), so read the **ratios**
(Bramble / peer; above 1.00x means Bramble did better) rather than the absolute numbers. Each figure is
the median of repeated runs, interleaved Bramble, peer, Bramble, peer, ... so that noise hits both.

Install the clients and peers with \`scripts/bench/install-peers.sh\` (root), build with \`npm run build\`,
then run \`npm run bench\` (everything) or \`npm run bench -- tftp http\` (some areas: tftp, dhcp, http, memory, nfs, iscsi).
Each area below is rewritten by its own run; the rest of this file is kept.
`;

const begin = (name: string): string => `<!-- bench:${name}:begin -->`;
const end = (name: string): string => `<!-- bench:${name}:end -->`;

export function replaceSection(document: string, section: AreaSection): string {
  const block = `${begin(section.name)}\n${section.markdown.trimEnd()}\n${end(section.name)}`;
  const start = document.indexOf(begin(section.name));
  const stop = document.indexOf(end(section.name));
  if (start !== -1 && stop > start) {
    return document.slice(0, start) + block + document.slice(stop + end(section.name).length);
  }
  const base = document.trim() === '' ? DOCUMENT_HEADER : document;
  return `${base.trimEnd()}\n\n${block}\n`;
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `**${value.toFixed(2)}x**` : 'n/a';
}

export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'failed';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "24.6 (24.1, 24.6, 25.0)": the median, and every run so that spread stays visible. */
export function formatRuns(medianValue: number, runs: readonly number[], digits = 1): string {
  if (runs.length <= 1) return formatNumber(medianValue, digits);
  return `${formatNumber(medianValue, digits)} (${runs.map((r) => formatNumber(r, digits)).join(', ')})`;
}
