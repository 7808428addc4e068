// A small line chart of one measure over time, in inline SVG; gaps (null) break the line instead of faking zero.
import { svg } from './dom.js';

const W = 240;
const H = 48;

/** points: [{t, v}] with v a number or null; `max` fixes the top (e.g. 100 for a percentage). */
export function sparkline(points, { max, label } = {}) {
  const known = points.filter((p) => typeof p.v === 'number' && Number.isFinite(p.v));
  const chart = svg('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label ?? 'chart' });
  if (known.length === 0) return chart;
  const t0 = points[0].t;
  const span = Math.max(1, points[points.length - 1].t - t0);
  const top = max ?? Math.max(...known.map((p) => p.v)) * 1.15;
  const bottom = max === undefined ? Math.min(0, ...known.map((p) => p.v)) : 0;
  const range = top - bottom || 1;
  const x = (t) => ((t - t0) / span) * (W - 2) + 1;
  const y = (v) => H - 2 - ((v - bottom) / range) * (H - 4);
  const runs = [];
  let run = [];
  for (const p of points) {
    if (typeof p.v === 'number' && Number.isFinite(p.v)) run.push(`${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  // A one-point polyline draws nothing; the newest value still gets its dot below.
  for (const r of runs) chart.append(svg('polyline', { points: r.join(' '), class: 'spark-line' }));
  const last = known[known.length - 1];
  chart.append(svg('circle', { cx: x(last.t), cy: y(last.v), r: 2.5, class: 'spark-dot' }));
  return chart;
}
