// Progressive enhancement: a form marked data-busy="…" says so while its long request runs
// (a Word document converting, a change request opening) and cannot be sent twice.
(function () {
  "use strict";
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = form.getAttribute("data-busy");
      }
      form.setAttribute("aria-busy", "true");
    });
  });
})();
