// Form fields with a place for their error: the API names the field it rejects ({error: {code, message, field}}).
import { ApiError } from './api.js';
import { h } from './dom.js';

/** A labelled input; `errorFor` lists the API field names whose errors show here (default: the input's name). */
export function field(label, input, { hint, errorFor } = {}) {
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'label' }, label),
    input,
    hint ? h('small', { class: 'hint' }, hint) : null,
    h('span', { class: 'error', 'data-error-for': errorFor ?? input.getAttribute('name') ?? '', role: 'alert' }),
  );
}

/** The form's own error line, for errors that name no field of it. */
export function formError() {
  return h('p', { class: 'error form-error', 'data-error-for': '', role: 'alert' });
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

export function showError(form, error) {
  const name = error instanceof ApiError ? error.field : null;
  // "power.url: must be..." reads better beside the power.url input without its own name in front.
  const message = name ? error.message.replace(/^[\w.\[\]]+: /, '') : error.message;
  const slot = (name && form.querySelector(`[data-error-for~="${CSS.escape(name)}"]`)) || form.querySelector('[data-error-for=""]');
  if (slot === null) return;
  slot.textContent = message;
  slot.closest('.field')?.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
}

/** Runs `action` for a submitted form: errors shown in place, the submit button disabled meanwhile. */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const buttons = form.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    try {
      await action(new FormData(form));
    } catch (error) {
      showError(form, error);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  });
  return form;
}
