// A machine's latest boot as a picture: its steps (power -> dhcp -> tftp -> script -> kernel -> initrd -> root
// -> agent) on a line, with the time between steps; drawn in inline SVG from its recent events.
import { h, svg } from './dom.js';
import { clock, duration } from './format.js';

const ORDER = ['power', 'dhcp', 'tftp', 'script', 'kernel', 'initrd', 'root', 'agent'];
const BOOT_STAGES = new Set(['dhcp', 'tftp', 'script', 'kernel', 'initrd', 'root']);
/** Longer than this without a step, and the next step belongs to another boot (as the server's "booting" state). */
const QUIET_MS = 10 * 60_000;
const LATE_STAGES = new Set(['script', 'kernel', 'initrd', 'root', 'agent']);

function stepOf(event) {
  const f = event.fields ?? {};
  if (event.stage === 'note' && f.agent === true) return 'agent';
  // Only the asking ("wake: sent", "on": ok) starts a boot; "woke after N s" arrives once the boot is under way.
  if (event.stage === 'power') return ['on', 'cycle', 'wake'].includes(f.action) && f.ok === true ? 'power' : null;
  return BOOT_STAGES.has(event.stage) ? event.stage : null;
}

/** The newest boot's first event of each step, in time order. */
export function latestBoot(events) {
  let run = [];
  let lastT = null;
  for (const event of events) {
    const step = stepOf(event);
    if (step === null) continue;
    const t = Date.parse(event.time);
    // A power-on, a long silence, or a DHCP request after the boot got past its script starts another boot.
    const late = run.some((s) => LATE_STAGES.has(s.step));
    if (step === 'power' || (lastT !== null && t - lastT > QUIET_MS) || (step === 'dhcp' && late)) run = [];
    if (!run.some((s) => s.step === step)) run.push({ step, t, event });
    lastT = t;
  }
  return run.sort((a, b) => a.t - b.t || ORDER.indexOf(a.step) - ORDER.indexOf(b.step));
}

export function bootTimeline(events) {
  const steps = latestBoot(events);
  if (steps.length === 0) return h('p', { class: 'muted' }, 'No boot recorded yet.');
  const gaps = steps.slice(1).map((s, i) => s.t - steps[i].t);
  // Longer waits get longer lines, on a log scale so that one slow step does not squeeze the rest.
  const widths = gaps.map((ms) => 90 + Math.min(110, 35 * Math.log10(1 + ms / 100)));
  const pad = 40;
  const width = pad * 2 + widths.reduce((a, b) => a + b, 0);
  const y = 34;
  const xs = [pad];
  for (const w of widths) xs.push(xs[xs.length - 1] + w);
  const picture = svg(
    'svg',
    { class: 'timeline', width, height: 86, viewBox: `0 0 ${width} 86`, role: 'img', 'aria-label': `latest boot: ${steps.map((s) => s.step).join(', ')}` },
    gaps.map((ms, i) => [
      svg('line', { x1: xs[i], y1: y, x2: xs[i + 1], y2: y, class: 'tl-line' }),
      svg('text', { x: (xs[i] + xs[i + 1]) / 2, y: y - 12, class: 'tl-gap', 'text-anchor': 'middle' }, duration(ms)),
    ]),
    steps.map((s, i) => [
      svg('circle', { cx: xs[i], cy: y, r: 7, class: `tl-dot tl-${s.step}` }, svg('title', {}, `${s.step}: ${s.event.detail}`)),
      svg('text', { x: xs[i], y: y + 24, class: 'tl-step', 'text-anchor': 'middle' }, s.step),
      svg('text', { x: xs[i], y: y + 40, class: 'tl-time', 'text-anchor': 'middle' }, clock(s.event.time)),
    ]),
  );
  const total = steps[steps.length - 1].t - steps[0].t;
  return h(
    'div',
    { class: 'timeline-box' },
    h('div', { class: 'scroll' }, picture),
    h('p', { class: 'muted' }, `${steps[0].step} to ${steps[steps.length - 1].step}: ${duration(total) || '0 ms'}`),
  );
}
