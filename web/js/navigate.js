// Moves the single-page app to another of its pages without a reload (app.js renders on popstate).
export function navigate(path) {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
