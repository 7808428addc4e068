// What the inventory agent reported about a machine's hardware (Machine.hardware, src/inventory/agent-facts.ts);
// every fact may be missing, and so may the whole report.
import { h } from './dom.js';
import { bytes, dateTime } from './format.js';

const text = (v) => (typeof v === 'string' && v.trim() !== '' ? v : null);
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function facts(pairs) {
  const shown = pairs.filter(([, v]) => v !== null && v !== undefined && v !== '');
  return shown.length === 0 ? null : h('dl', { class: 'facts' }, shown.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function cpuText(cpu) {
  if (cpu === null || typeof cpu !== 'object') return null;
  const counts = [num(cpu.cores) !== null ? `${cpu.cores} cores` : null, num(cpu.threads) !== null ? `${cpu.threads} threads` : null].filter(Boolean);
  return [text(cpu.model) ?? 'unknown model', counts.length ? `(${counts.join(', ')})` : null].filter(Boolean).join(' ');
}

function table(head, rows) {
  return h('div', { class: 'scroll' }, h('table', { class: 'small' }, h('thead', {}, h('tr', {}, head.map((t) => h('th', {}, t)))), h('tbody', {}, rows)));
}

export function hardwareFacts(machine) {
  const hw = machine.hardware;
  if (hw === null || typeof hw !== 'object') {
    return h('p', { class: 'muted' }, 'No hardware facts yet: the inventory agent reports them once the machine has booted a system that runs it.');
  }
  const disks = Array.isArray(hw.disks) ? hw.disks.filter((d) => d && typeof d === 'object') : [];
  const nics = Array.isArray(hw.nics) ? hw.nics.filter((n) => n && typeof n === 'object') : [];
  const yesNo = (v) => (v === true ? 'yes' : v === false ? 'no' : '');
  return h(
    'div',
    { class: 'hardware' },
    facts([
      ['CPU', cpuText(hw.cpu)],
      ['Memory', num(hw.memoryBytes) === null ? null : bytes(hw.memoryBytes)],
      ['Manufacturer', text(hw.manufacturer)],
      ['Product', text(hw.product) ?? text(hw.deviceModel)],
      ['Serial', text(hw.serial) ?? text(hw.piSerial)],
      ['Board', [text(hw.boardManufacturer), text(hw.boardProduct)].filter(Boolean).join(' ') || null],
      ['BIOS', text(hw.biosVersion)],
      ['Hostname', text(hw.hostname)],
      ['Kernel', text(hw.kernel)],
      ['Reported', machine.hardwareAt ? dateTime(machine.hardwareAt) : null],
    ]),
    disks.length === 0
      ? null
      : [h('h3', {}, 'Disks'), table(['Name', 'Size', 'Model', 'Rotational', 'Removable'], disks.map((d) => h('tr', {}, h('td', {}, text(d.name) ?? '?'), h('td', {}, num(d.sizeBytes) === null ? '' : bytes(d.sizeBytes)), h('td', {}, text(d.model) ?? ''), h('td', {}, yesNo(d.rotational)), h('td', {}, yesNo(d.removable)))))],
    nics.length === 0
      ? null
      : [h('h3', {}, 'Network'), table(['Name', 'MAC', 'Speed', 'Driver'], nics.map((n) => h('tr', {}, h('td', {}, text(n.name) ?? '?'), h('td', { class: 'mac' }, text(n.mac) ?? ''), h('td', {}, num(n.speedMbps) === null ? '' : `${n.speedMbps} Mb/s`), h('td', {}, text(n.driver) ?? ''))))],
  );
}
