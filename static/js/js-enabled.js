// Runs before the page is drawn (a blocking script at the top of <body>), so
// govuk-frontend's "js-enabled" styles apply without a flash. A file, not an
// inline script: the Content-Security-Policy allows no inline code.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
