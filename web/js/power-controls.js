// Power buttons for a machine: the actions its driver can do (the API's powerCan, from the driver itself) that
// make sense in its current state, each a POST /api/v1/machines/MAC/power.
import { api } from './api.js';
import { h } from './dom.js';
import { notice } from './notice.js';

const BY_STATE = { off: ['on'], running: ['off', 'cycle'], booting: ['off', 'cycle'] };
const LABELS = { on: 'Power on', off: 'Power off', cycle: 'Power cycle' };

export function powerActions(machine) {
  const can = machine.powerCan ?? [];
  const sensible = BY_STATE[machine.state] ?? ['on', 'off', 'cycle'];
  return can.filter((a) => sensible.includes(a));
}

export async function runPower(mac, action) {
  try {
    const result = await api('POST', `/machines/${encodeURIComponent(mac)}/power`, { action });
    notice(`${LABELS[action]}: ${result.detail ?? 'done'}`, 'ok');
  } catch (error) {
    notice(`${LABELS[action]} failed: ${error.message}`, 'error');
  }
}

/** Buttons, or a quiet note when the machine has no power settings. */
export function powerButtons(machine) {
  if (machine.power === undefined) return h('span', { class: 'muted' }, 'no power settings');
  const actions = powerActions(machine);
  if (actions.length === 0) return h('span', { class: 'muted' }, `${machine.power.driver}: nothing to do now`);
  return h(
    'span',
    { class: 'power-buttons' },
    actions.map((action) =>
      h(
        'button',
        {
          type: 'button',
          class: `power ${action}`,
          'data-action': action,
          onclick: async (event) => {
            const button = event.currentTarget;
            if (action !== 'on' && !confirm(`${LABELS[action]} ${machine.name ?? machine.mac}?`)) return;
            button.disabled = true;
            button.classList.add('busy');
            await runPower(machine.mac, action);
            button.disabled = false;
            button.classList.remove('busy');
          },
        },
        LABELS[action],
      ),
    ),
  );
}
