// Keeps typed text safe while the server autosave (htmx) is not confirmed:
// each change is mirrored into localStorage under the person and step, and removed once
// the server has saved it. On return, a copy newer than the server's draft
// (the save failed: offline, signed out) is put back into the form, with the
// same form id so it lands on the same draft. Radios and checkboxes are not
// mirrored: their change event saves at once. A page with several autosave
// forms is not supported (the first one is used); multi-part exercises key
// the copy by step and part.
// Settings come from the script element's data attributes.
(function () {
  // Found by attribute, not document.currentScript, which htmx swaps can leave unset.
  var script = document.querySelector("script[data-autosave-settings]");
  if (!script) { return; }
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.localStorage) { return; }
  // Per person: on a shared device nobody is offered someone else's text.
  var key = "tandem-draft:u" + script.getAttribute("data-user") + ":" + form.getAttribute("data-autosave-key");
  var status = document.getElementById("autosave-status");
  var idInput = form.querySelector("input[name=client_request_id]");
  var serverSavedAt = Number(form.getAttribute("data-saved-at") || 0);
  var isNew = form.getAttribute("data-new") === "1";
  var requestStartedAt = 0;

  function textFields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "client_request_id" &&
        (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
         (el.tagName === "INPUT" && ["text", "date", "number", "time"].indexOf(el.type) !== -1));
    });
  }
  function read() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function mirror() {
    var values = {};
    textFields().forEach(function (el) { values[el.name] = el.value; });
    try {
      localStorage.setItem(key, JSON.stringify({ id: idInput.value, t: Date.now(), v: values }));
    } catch (e) {}
  }

  var stored = read();
  var sent = (form.getAttribute("data-sent-ids") || "").split(" ");
  if (stored && sent.indexOf(stored.id) !== -1 && stored.id !== idInput.value) {
    localStorage.removeItem(key);  // already sent from another page load
    stored = null;
  }
  if (stored && stored.v && (stored.id === idInput.value ? stored.t > serverSavedAt : isNew)) {
    idInput.value = stored.id;
    textFields().forEach(function (el) {
      if (Object.prototype.hasOwnProperty.call(stored.v, el.name)) { el.value = stored.v[el.name]; }
    });
    if (status) { status.textContent = script.getAttribute("data-restored"); }
    // htmx is deferred and wires the form up on DOMContentLoaded: save once it has.
    var saveRestored = function () { if (window.htmx) { window.htmx.trigger(form, "change"); } };
    if (document.readyState === "complete") { saveRestored(); } else { window.addEventListener("load", saveRestored); }
  } else if (stored && stored.id === idInput.value) {
    localStorage.removeItem(key);
  }

  // Pressing a submit button blurs the field, whose "change" would start an autosave
  // racing the form's own POST (which saves everything anyway): skip that autosave.
  var submitting = 0;
  form.addEventListener("pointerdown", function (event) {
    if (event.target.closest && event.target.closest("button[type=submit]")) {
      submitting = Date.now();
    }
  });
  form.addEventListener("htmx:confirm", function (event) {
    if (submitting && Date.now() - submitting < 2000) { event.preventDefault(); }
  });
  form.addEventListener("input", mirror);
  form.addEventListener("htmx:beforeRequest", function () { requestStartedAt = Date.now(); });
  form.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      var current = read();
      if (current && current.t <= requestStartedAt) { localStorage.removeItem(key); }
    } else if (status) {
      status.textContent = script.getAttribute("data-offline");
    }
  });
  form.addEventListener("submit", mirror);
})();
