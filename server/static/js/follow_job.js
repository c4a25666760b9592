// Progressive enhancement: a page that shows a job still at work (an upload converting, a history being
// replayed) is marked data-reload-seconds="N" and loads itself again after N seconds, until the job is done
// and the page says so. Not a <meta http-equiv="refresh">: a timed refresh the reader cannot stop fails
// WCAG 2.2.1, and here the reader keeps the page's own "Refresh" link and may leave at any time.
(function () {
  "use strict";
  var marked = document.querySelector("[data-reload-seconds]");
  if (!marked) {
    return;
  }
  var seconds = parseFloat(marked.getAttribute("data-reload-seconds")) || 2;
  window.setTimeout(function () {
    window.location.reload();
  }, seconds * 1000);
})();
