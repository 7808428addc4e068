// The appliance itself (GET /api/v1/health): CPU, load, memory, disk, temperature and uptime over the last hour.
import { api } from './api.js';
import { h } from './dom.js';
import { bytes, dateTime, duration } from './format.js';
import { sparkline } from './sparkline.js';

export const title = 'Appliance';

const used = (total, free) => (typeof total === 'number' && typeof free === 'number' && total > 0 ? ((total - free) / total) * 100 : null);

const MEASURES = [
  { name: 'CPU', value: (s) => s.cpuPercent, max: 100, text: (s) => pct(s.cpuPercent) },
  { name: 'Load', value: (s) => s.load1, text: (s) => [s.load1, s.load5, s.load15].map((l) => (typeof l === 'number' ? l.toFixed(2) : 'n/a')).join(' · ') },
  { name: 'Memory', value: (s) => used(s.memTotalBytes, s.memAvailableBytes), max: 100, text: (s) => `${pct(used(s.memTotalBytes, s.memAvailableBytes))} of ${bytes(s.memTotalBytes)}` },
  { name: 'Disk', value: (s) => used(s.diskTotalBytes, s.diskFreeBytes), max: 100, text: (s) => `${pct(used(s.diskTotalBytes, s.diskFreeBytes))} used, ${bytes(s.diskFreeBytes)} free` },
  { name: 'Temperature', value: (s) => s.temperatureC, text: (s) => (typeof s.temperatureC === 'number' ? `${s.temperatureC.toFixed(1)} °C` : 'n/a') },
];

function pct(v) {
  return typeof v === 'number' ? `${v.toFixed(v < 10 ? 1 : 0)} %` : 'n/a';
}

export async function render(main) {
  const grid = h('div', { class: 'charts' });
  const foot = h('p', { class: 'muted' });
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Appliance')), grid, foot);
  const draw = (health) => {
    const history = health.history ?? [];
    const latest = health.latest ?? history[history.length - 1] ?? null;
    if (latest === null) {
      grid.replaceChildren(h('p', { class: 'muted' }, 'No samples yet: the first arrives within ten seconds of starting.'));
      return;
    }
    grid.replaceChildren(
      ...MEASURES.map((m) =>
        h(
          'figure',
          { class: 'chart', 'data-measure': m.name.toLowerCase() },
          h('figcaption', {}, h('span', { class: 'label' }, m.name), h('span', { class: 'value' }, m.text(latest))),
          sparkline(history.map((s) => ({ t: Date.parse(s.at), v: m.value(s) })), { max: m.max, label: `${m.name} over the last hour` }),
        ),
      ),
    );
    const failed = Object.entries(health.failures ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}×`);
    foot.textContent = [
      `Up ${typeof latest.uptimeSeconds === 'number' ? duration(latest.uptimeSeconds * 1000) : 'n/a'}`,
      `${history.length} samples, latest ${dateTime(latest.at)}`,
      failed.length > 0 ? `failed reads: ${failed.join(', ')}` : null,
    ].filter(Boolean).join(' · ');
  };
  draw(await api('GET', '/health'));
  const timer = setInterval(() => api('GET', '/health').then(draw, () => {}), 10_000);
  return () => clearInterval(timer);
}
