// Heartbeat for time-on-step (see StepProgress): every PROGRAMME_HEARTBEAT_SECONDS
// (data-interval, default 30) while the page is visible, POST to the URL in this
// script's data-ping-url. Hidden tabs send nothing. It is a background request
// (X-Background): it never keeps the session alive (apps.core.sessions).
(function () {
  var script = document.querySelector("script[data-ping-url]");
  var url = script && script.getAttribute("data-ping-url");
  if (!url) { return; }
  var seconds = Number(script.getAttribute("data-interval")) || 30;
  var headers = {};
  try { headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) {}
  headers["X-Background"] = "1";
  setInterval(function () {
    if (document.visibilityState !== "visible") { return; }
    fetch(url, { method: "POST", headers: headers, credentials: "same-origin", redirect: "manual" }).catch(function () {});
  }, seconds * 1000);
})();
