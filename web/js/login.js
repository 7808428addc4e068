// The login page: POST /api/v1/login, then on to the page that sent the browser here.
import { api } from './api.js';
import { onSubmit } from './forms.js';

/** Only a path on this site: "next" comes from the address bar, which anyone can write a link to. */
function nextPage() {
  const next = new URLSearchParams(location.search).get('next');
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

const form = document.getElementById('login');
onSubmit(form, async (data) => {
  await api('POST', '/login', { username: String(data.get('username')), password: String(data.get('password')) });
  location.assign(nextPage());
});
form.elements.password.focus();
