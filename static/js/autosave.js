// Keeps typed text safe until the server has confirmed it saved it:
// - each change is mirrored into localStorage under the person and step (with what
// to post and where, so signing out can send it first: static/js/app.js), and
// removed only after a save answered 2xx;
// - 401 (signed out in another tab, session expired): the copy stays and the
// status line offers "Sign in again" (back to this page), where the copy is put
// back and saved;
// - no answer (offline) or 5xx: the copy stays and the save is tried again when the
// browser comes back online, and with back-off (2 s doubling to 1 minute);
// - 409 (another tab or device saved this draft since): the person's text stays in
// the form and the saved text is shown beside it (#autosave-conflict) to merge;
// the next change saves the form as it then is.
// On return, a copy newer than the server's draft is put back into the form, with
// the same form id so it lands on the same draft. A page with several autosave
// forms is not supported (the first one is used); multi-part exercises key the
// copy by step and part.
// Settings and texts come from the script element's data attributes
// (templates/programme/_autosave_script.html).
(function () {
  // Found by attribute, not document.currentScript, which htmx swaps can leave unset.
  var script = document.querySelector("script[data-autosave-settings]");
  if (!script) { return; }
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.localStorage) { return; }
  // Per person: on a shared device nobody is offered someone else's text.
  var key = "tandem-draft:u" + script.getAttribute("data-user") + ":" + form.getAttribute("data-autosave-key");
  var status = document.getElementById("autosave-status");
  var conflictBox = document.getElementById("autosave-conflict");
  var idInput = form.querySelector("input[name=client_request_id]");
  var versionInput = form.querySelector("input[name=version]");
  var serverSavedAt = Number(form.getAttribute("data-saved-at") || 0);
  var isNew = form.getAttribute("data-new") === "1";
  var requestStartedAt = 0;
  var retryDelay = 2000;
  var retryTimer = 0;
  var SKIP = ["csrfmiddlewaretoken", "client_request_id", "version", "action"];

  function textFields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && SKIP.indexOf(el.name) === -1 &&
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
    var post = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "action" && typeof value === "string") {
        post.push([name, value]);
      }
    });
    try {
      localStorage.setItem(key, JSON.stringify({
        id: idInput.value, t: Date.now(), v: values, post: post,
        url: form.getAttribute("hx-post")
      }));
    } catch (e) {}
  }
  function say(text, link) {
    if (!status) { return; }
    status.textContent = text;
    if (link) {
      status.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.className = "govuk-link";
      a.href = link.href;
      a.textContent = link.text;
      status.appendChild(a);
    }
  }
  function save() {
    window.clearTimeout(retryTimer);
    retryTimer = 0;
    if (window.htmx && read()) { window.htmx.trigger(form, "change"); }
  }
  function retryLater() {
    if (retryTimer) { return; }
    retryTimer = window.setTimeout(function () { retryTimer = 0; save(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
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
    mirror();  // the copy now carries this page's draft version
    say(script.getAttribute("data-restored"));
    // htmx is deferred and wires the form up on DOMContentLoaded: save once it has.
    if (document.readyState === "complete") { save(); } else { window.addEventListener("load", save); }
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
  form.addEventListener("change", mirror);
  form.addEventListener("htmx:beforeRequest", function () { requestStartedAt = Date.now(); });
  form.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var code = xhr ? xhr.status : 0;
    var version = xhr && xhr.getResponseHeader("X-Draft-Version");
    if (event.detail.successful && code >= 200 && code < 300) {
      if (version) { versionInput.value = version; }
      retryDelay = 2000;
      var current = read();
      if (current && current.t <= requestStartedAt) { localStorage.removeItem(key); }
      else if (current) { mirror(); }
      return;
    }
    if (code === 401) {
      say(script.getAttribute("data-signed-out"), {
        href: xhr.getResponseHeader("X-Login-URL") ||
          script.getAttribute("data-login-url") + "?next=" + encodeURIComponent(location.pathname + location.search),
        text: script.getAttribute("data-sign-in-again")
      });
      return;
    }
    if (code === 409) {
      // Both texts stay visible; the next save is based on the saved version.
      if (conflictBox) { conflictBox.innerHTML = xhr.responseText; }
      idInput.value = xhr.getResponseHeader("X-Draft-Id") || idInput.value;
      if (version) { versionInput.value = version; }
      mirror();
      say(script.getAttribute("data-conflict"));
      return;
    }
    say(script.getAttribute("data-offline"));
    retryLater();
  });
  window.addEventListener("online", function () { retryDelay = 2000; save(); });
  form.addEventListener("submit", mirror);
})();
