// Progressive enhancement only: every page works without this file.
// Closes an open menu when the reader clicks elsewhere or presses Escape.
(function () {
  "use strict";
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", function (event) {
    var menu = event.target.closest ? event.target.closest("details.menu") : null;
    closeMenus(menu);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeMenus(null); }
  });
  // The CSRF token for scripts that call the JSON API with the session cookie.
  window.jointbook = {
    csrfToken: function () {
      var field = document.querySelector("input[name=csrf_token]");
      return field ? field.value : "";
    }
  };
})();
