// The form for how Bramble switches a machine (PATCH /api/v1/machines/MAC {power}); each driver's settings as
// src/power/*.ts reads them. Stored secrets come back as ******** and are sent back so, which keeps them.
import { api } from './api.js';
import { h } from './dom.js';
import { field, formError, onSubmit } from './forms.js';
import { notice } from './notice.js';

const timing = [
  ['cycleOffSeconds', 'Off time when cycling (s)', 'number'],
  ['timeoutSeconds', 'Timeout (s)', 'number'],
];
const DRIVERS = {
  wol: { label: 'Wake-on-LAN (on only)', fields: [['port', 'UDP port', 'select', ['9', '7']], ['count', 'Packets sent', 'number'], ['secureOn', 'SecureOn password', 'secret']] },
  tasmota: { label: 'Tasmota smart plug', fields: [['url', 'Plug address', 'url'], ['password', 'Web password', 'secret'], ['relay', 'Relay (1-32)', 'number'], ...timing] },
  shelly: {
    label: 'Shelly relay',
    fields: [['url', 'Relay address', 'url'], ['generation', 'Generation', 'select', ['1', '2']], ['channel', 'Channel', 'number'], ['user', 'User (Gen1)', 'text'], ['password', 'Password', 'secret'], ...timing],
  },
  webhook: {
    label: 'Webhook',
    fields: [['onUrl', 'On URL', 'url'], ['offUrl', 'Off URL', 'url'], ['statusUrl', 'Status URL', 'url'], ['onPattern', 'Status "on" pattern', 'text'], ['offPattern', 'Status "off" pattern', 'text'], ['user', 'User', 'text'], ['password', 'Password', 'secret'], ['token', 'Bearer token', 'secret'], ...timing],
  },
  ssh: { label: 'SSH (off and reboot only)', fields: [['host', 'Host', 'text'], ['user', 'User', 'text'], ['port', 'Port', 'number'], ['offCommand', 'Off command', 'text'], ['cycleCommand', 'Reboot command', 'text']] },
  manual: { label: 'Manual (tells you what to do)', fields: [['instructions', 'Where the switch is', 'text']] },
};

function input(name, type, options, value) {
  const attrs = { name: `power.${name}`, id: `power-${name}` };
  if (type === 'select') {
    return h('select', attrs, h('option', { value: '' }, 'default'), options.map((o) => h('option', { value: o, selected: String(value) === o }, o)));
  }
  const htmlType = type === 'secret' ? 'password' : type === 'number' ? 'number' : type === 'url' ? 'url' : 'text';
  return h('input', { ...attrs, type: htmlType, value: value ?? '', autocomplete: type === 'secret' ? 'new-password' : 'off' });
}

function driverFields(driver, stored) {
  const spec = DRIVERS[driver];
  if (spec === undefined) return [h('p', { class: 'muted' }, 'Bramble cannot switch this machine; power buttons stay hidden.')];
  const values = stored?.driver === driver ? stored : {};
  const out = spec.fields.map(([name, label, type, options]) =>
    field(label, input(name, type, options, values[name]), type === 'secret' && values[name] ? { hint: 'shown masked; leave it to keep the stored one' } : {}),
  );
  if (driver === 'ssh') {
    const key = h('code', { class: 'ssh-key' }, 'loading…');
    api('GET', '/power/ssh-key').then((r) => (key.textContent = r.publicKey), (e) => (key.textContent = e.message));
    out.push(h('div', { class: 'field' }, h('span', { class: 'label' }, "Add Bramble's key to the machine's authorized_keys"), key));
  }
  return out;
}

/** Reads the form into {driver, ...settings}; blank fields are left out so the driver's defaults apply. */
function readPower(form, driver) {
  const out = { driver };
  for (const [name, , type] of DRIVERS[driver].fields) {
    const raw = form.elements[`power.${name}`]?.value.trim() ?? '';
    if (raw === '') continue;
    out[name] = type === 'number' || (type === 'select' && /^\d+$/.test(raw)) ? Number(raw) : raw;
  }
  return out;
}

export function powerSettingsForm(machine, saved) {
  const fields = h('div', { class: 'driver-fields' });
  const driver = h(
    'select',
    { name: 'power.driver', id: 'power-driver' },
    h('option', { value: '' }, 'none'),
    Object.entries(DRIVERS).map(([name, spec]) => h('option', { value: name, selected: machine.power?.driver === name }, spec.label)),
  );
  const fill = () => fields.replaceChildren(...(driver.value === '' ? [] : driverFields(driver.value, machine.power)));
  driver.addEventListener('change', fill);
  fill();
  const form = h('form', { class: 'power-settings', novalidate: true }, field('Driver', driver), fields, formError(), h('button', { type: 'submit' }, 'Save power settings'));
  return onSubmit(form, async () => {
    const power = driver.value === '' ? null : readPower(form, driver.value);
    const updated = await api('PATCH', `/machines/${encodeURIComponent(machine.mac)}`, { power });
    machine.power = updated.power;
    notice('Power settings saved', 'ok');
    saved(updated);
  });
}
