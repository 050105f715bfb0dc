// Heartbeat for time-on-step (see StepProgress): every 30 seconds while the
// page is visible, POST to the URL in this script's data-ping-url. Hidden tabs
// send nothing.
(function () {
  var script = document.querySelector("script[data-ping-url]");
  var url = script && script.getAttribute("data-ping-url");
  if (!url) { return; }
  var headers = {};
  try { headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) {}
  setInterval(function () {
    if (document.visibilityState !== "visible") { return; }
    fetch(url, { method: "POST", headers: headers, credentials: "same-origin" }).catch(function () {});
  }, 30000);
})();
