// Tandem: small progressive enhancements. Every page works without this file.
//
// Loaded as an ES module from base.html (modules run after the document is
// parsed, and after htmx.min.js, which is loaded with `defer` before it).
//
// 1. Initialise govuk-frontend components on load and after every htmx swap.
// 2. Move focus to an error summary when a page load or swap shows one.
// 3. Warn 2 minutes before the session times out and offer to stay signed in.
// 4. A link to a part of the page inside a closed section opens the section.

import { initAll } from "../vendor/govuk-frontend.min.js";

const WARN_BEFORE_SECONDS = 120;
// Key presses and clicks renew the session at most this often.
const ACTIVITY_REPORT_SECONDS = 60;

// ---------------------------------------------------------------------------
// 1 + 2: govuk-frontend and error summary focus
// ---------------------------------------------------------------------------

function initGovuk(scope) {
  initAll({
    scope,
    onError(error) {
      // Re-running on a swapped fragment can meet components that are already
      // initialised; that is expected and harmless.
      if (error && error.name === "InitError") return;
      console.error(error);
    },
  });
}

function focusErrorSummary(scope) {
  const summary = scope.matches?.(".govuk-error-summary")
    ? scope
    : scope.querySelector?.(".govuk-error-summary");
  if (!summary) return;
  if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
  summary.addEventListener(
    "blur",
    () => summary.removeAttribute("tabindex"),
    { once: true },
  );
  summary.focus();
}

function onContent(elt) {
  // querySelectorAll does not match the scope element itself, and htmx hands
  // us the swapped element, which may carry data-module. Search from its
  // parent; components that are already set up are skipped (InitError).
  initGovuk(elt.parentElement || elt);
  focusErrorSummary(elt);
}

if (window.htmx) {
  // htmx 2 calls this for <body> on first load and for new content after swaps.
  window.htmx.onLoad(onContent);
} else {
  onContent(document.body);
}

// ---------------------------------------------------------------------------
// 3: session timeout warning
// ---------------------------------------------------------------------------
// <body data-session-timeout="SECONDS" data-session-extend-url="URL"
//       data-login-url="URL" hx-headers='{"X-CSRFToken": "..."}'>
// The <dialog id="app-session-warning"> markup lives in base.html so its
// text is translated by Django.

function csrfToken() {
  try {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

function setupSessionWarning() {
  const body = document.body;
  const timeout = Number.parseInt(body.dataset.sessionTimeout || "", 10);
  const extendUrl = body.dataset.sessionExtendUrl;
  const dialog = document.getElementById("app-session-warning");
  if (!timeout || timeout <= 0 || !extendUrl || !dialog) return;

  const stayButton = dialog.querySelector("[data-session-stay]");
  const activePart = dialog.querySelector("[data-session-active]");
  const expiredPart = dialog.querySelector("[data-session-expired]");
  const supportsModal = typeof dialog.showModal === "function";
  let warnTimer = 0;
  let expireTimer = 0;

  function show(part) {
    activePart.hidden = part !== "active";
    expiredPart.hidden = part !== "expired";
    if (!dialog.open) {
      if (supportsModal) {
        dialog.showModal();
      } else {
        dialog.classList.add("app-session-warning--banner");
        dialog.setAttribute("open", "");
      }
    }
    const target = part === "active" ? stayButton : expiredPart.querySelector("a");
    (target || dialog).focus();
  }

  function close() {
    if (!dialog.open) return;
    if (supportsModal) {
      dialog.close();
    } else {
      dialog.removeAttribute("open");
    }
  }

  function restart({ broadcast = true } = {}) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(expireTimer);
    close();
    // Two minutes ahead, or half-way through a shorter timeout.
    const warnIn = (timeout - Math.min(WARN_BEFORE_SECONDS, timeout / 2)) * 1000;
    warnTimer = window.setTimeout(() => show("active"), warnIn);
    expireTimer = window.setTimeout(() => show("expired"), timeout * 1000);
    if (broadcast) {
      // Tell other tabs of this site that the session was just used.
      try {
        window.localStorage.setItem("tandem-session-activity", String(Date.now()));
      } catch {
        // Private mode or storage disabled: each tab keeps its own timer.
      }
    }
  }

  async function extend() {
    stayButton.disabled = true;
    try {
      const response = await fetch(extendUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
        redirect: "manual",
      });
      if (response.ok) {
        restart();
        window.htmx?.trigger(document.body, "app:session-extended");
      } else {
        show("expired");
      }
    } catch {
      show("expired");
    } finally {
      stayButton.disabled = false;
    }
  }

  stayButton.addEventListener("click", extend);

  // Escape closes a modal dialog; treat that as "stay signed in" so the
  // user is not left with a silent timer.
  dialog.addEventListener("cancel", (event) => {
    if (!activePart.hidden) {
      event.preventDefault();
      extend();
    }
  });

  // An htmx request the person caused reaches the server, which renews the
  // session; a poll (X-Background) does not (apps/core/sessions.py).
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const headers = event.detail?.requestConfig?.headers || {};
    if (headers["X-Background"] !== "1") restart();
  });

  // A key press or a click is activity too, even when nothing is sent: tell
  // the server, at most once a minute, so typing a long entry keeps the
  // session. Requests a page makes by itself never do.
  // Short timeouts (tests) report more often, so activity is never missed.
  const reportEvery = Math.min(ACTIVITY_REPORT_SECONDS, Math.max(1, Math.floor(timeout / 3)));
  let lastReported = Date.now();
  async function reportActivity() {
    if (dialog.open || Date.now() - lastReported < reportEvery * 1000) return;
    lastReported = Date.now();
    try {
      const response = await fetch(extendUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
        redirect: "manual",
      });
      if (response.ok) restart();
    } catch {
      // Offline: the warning still comes, and "Stay signed in" tries again.
    }
  }
  document.addEventListener("keydown", reportActivity, { passive: true });
  document.addEventListener("click", reportActivity, { passive: true });

  window.addEventListener("storage", (event) => {
    if (event.key === "tandem-session-activity") restart({ broadcast: false });
  });

  restart({ broadcast: false });
}

setupSessionWarning();

// ---------------------------------------------------------------------------
// 4: nothing typed is lost when signing out
// ---------------------------------------------------------------------------
// Autosave forms keep a copy of unsaved text in localStorage under
// "tandem-draft:u<user id>:<step>[:<part>]" (templates/programme/_autosave_script.html)
// with what to post and where. Signing out first sends those copies; if that
// fails, <dialog id="app-unsaved-warning"> lets the person keep or delete them.

function draftKeys(userId) {
  const prefix = `tandem-draft:u${userId}:`;
  const keys = [];
  try {
    for (let i = 0; i < window.localStorage.length; i += 1) {
      const key = window.localStorage.key(i);
      if (key?.startsWith(prefix)) keys.push(key);
    }
  } catch {
    // Storage disabled: nothing is kept on the device either.
  }
  return keys;
}

async function sendDraft(key) {
  let draft = null;
  try {
    draft = JSON.parse(window.localStorage.getItem(key) || "null");
  } catch {
    return false;
  }
  if (!draft?.url || !Array.isArray(draft.post)) return false;
  const body = new URLSearchParams();
  for (const [name, value] of draft.post) body.append(name, value);
  try {
    const response = await fetch(draft.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body,
      redirect: "manual",
    });
    if (!response.ok) return false;
    const current = JSON.parse(window.localStorage.getItem(key) || "null");
    if (current && current.t <= draft.t) window.localStorage.removeItem(key);
    return true;
  } catch {
    return false;
  }
}

function setupSignOut() {
  const userId = document.body.dataset.userId;
  const dialog = document.getElementById("app-unsaved-warning");
  if (!userId || !dialog) return;
  let pendingForm = null;

  function signOut(form) {
    form.dataset.signOutReady = "1";
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  dialog.querySelector("[data-unsaved-keep]").addEventListener("click", () => {
    dialog.close();
    signOut(pendingForm);
  });
  dialog.querySelector("[data-unsaved-delete]").addEventListener("click", () => {
    for (const key of draftKeys(userId)) window.localStorage.removeItem(key);
    dialog.close();
    signOut(pendingForm);
  });
  dialog.querySelector("[data-unsaved-stay]").addEventListener("click", () => dialog.close());

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches?.("form[data-sign-out]") || form.dataset.signOutReady === "1") return;
    if (!draftKeys(userId).length) return;
    event.preventDefault();
    // A save already on its way (htmx marks its form) may settle the copy itself.
    for (let i = 0; i < 50 && document.querySelector(".htmx-request"); i += 1) {
      await new Promise((resolve) => window.setTimeout(resolve, 100));
    }
    const keys = draftKeys(userId);
    const results = await Promise.all(keys.map(sendDraft));
    if (results.every(Boolean)) {
      signOut(form);
      return;
    }
    pendingForm = form;
    document.getElementById("app-session-warning")?.close?.();
    dialog.showModal();
    dialog.querySelector("[data-unsaved-keep]").focus();
  });
}

setupSignOut();

// ---------------------------------------------------------------------------
// 4: links into sections that open and close (<details class="app-section">)
// ---------------------------------------------------------------------------
// "At a glance" on the review links to sections below that may be closed.
// The browser scrolls to a heading in a closed section's <summary> but does
// not open it; open it (and any closed section around the target) first.

function openSectionsFor(hash, { scroll = false } = {}) {
  if (!hash || hash.length < 2) return;
  let target;
  try {
    target = document.getElementById(decodeURIComponent(hash.slice(1)));
  } catch {
    return;
  }
  if (!target) return;
  const own = target.matches("details") ? target : target.querySelector(":scope > details");
  let opened = false;
  for (const details of [own, ...ancestorDetails(target)]) {
    if (details && !details.open) {
      details.open = true;
      opened = true;
    }
  }
  if (opened && scroll) target.scrollIntoView();
}

function ancestorDetails(element) {
  const found = [];
  for (let d = element.closest("details"); d; d = d.parentElement?.closest("details")) {
    found.push(d);
  }
  return found;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest?.('a[href^="#"]');
  if (link) openSectionsFor(link.getAttribute("href"));
});
window.addEventListener("hashchange", () => openSectionsFor(window.location.hash));
openSectionsFor(window.location.hash, { scroll: true });
