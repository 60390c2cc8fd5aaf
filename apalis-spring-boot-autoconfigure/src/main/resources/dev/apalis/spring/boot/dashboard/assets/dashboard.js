// Apalis dashboard: live refresh. Every few seconds the page is fetched again and the parts marked
// data-live (with an id) are swapped in place. Paused while the reader has selected tasks, types in a
// field, the tab is hidden, or they press "Pause live updates"; off on a task's page (body data-live="off").
// Never swapped while a button is pressed (a click whose button is replaced between press and release
// is lost) nor once a form is sent (the page is leaving).
(function () {
  'use strict';
  var body = document.body;
  var interval = parseInt(body.getAttribute('data-refresh-ms'), 10) || 0;
  var controls = document.querySelector('.live-controls');
  var toggle = document.getElementById('live-toggle');
  var status = document.getElementById('live-status');
  if (interval <= 0 || !controls || !toggle) {
    return;
  }
  controls.hidden = false;
  var paused = body.getAttribute('data-live') !== 'on';
  var pressed = false;
  var leaving = false;
  document.addEventListener('pointerdown', function () { pressed = true; }, true);
  document.addEventListener('pointerup', function () { pressed = false; }, true);
  document.addEventListener('pointercancel', function () { pressed = false; }, true);
  document.addEventListener('submit', function () { leaving = true; }, true);
  // back on this page from the browser's history (its scripts kept their state), or the window lost focus mid-press
  window.addEventListener('pageshow', function () { leaving = false; pressed = false; });
  window.addEventListener('blur', function () { pressed = false; });

  function busy() {
    var active = document.activeElement;
    if (active && (active.tagName === 'INPUT' || active.tagName === 'TEXTAREA' || active.tagName === 'SELECT')) {
      return true;
    }
    return document.querySelector('input[type=checkbox]:checked') !== null;
  }

  function refresh() {
    if (paused || document.hidden || busy()) {
      return;
    }
    fetch(window.location.href, { headers: { 'X-Apalis-Live': '1' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.text();
      })
      .then(function (text) {
        if (pressed || leaving) { return; }
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        document.querySelectorAll('[data-live][id]').forEach(function (part) {
          var replacement = fresh.getElementById(part.id);
          if (replacement) { part.replaceWith(document.importNode(replacement, true)); }
        });
        status.textContent = 'Updated ' + new Date().toLocaleTimeString();
      })
      .catch(function (error) {
        status.textContent = 'Live update failed (' + error.message + '); retrying.';
      });
  }

  toggle.addEventListener('click', function () {
    paused = !paused;
    toggle.setAttribute('aria-pressed', paused ? 'true' : 'false');
    toggle.textContent = (paused ? 'Resume' : 'Pause') + ' live updates';
    status.textContent = paused ? 'Live updates paused.' : 'Live updates on.';
    if (!paused) { refresh(); }
  });
  window.setInterval(refresh, interval);
})();
