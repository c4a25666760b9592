/* The conflict screens: a passage's own text box shows only when the author chooses to edit it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-edit-for]").forEach(function (box) {
    var name = box.getAttribute("data-edit-for");
    var radios = document.querySelectorAll('input[name="' + name + '"]');
    function update() {
      var chosen = document.querySelector('input[name="' + name + '"]:checked');
      box.hidden = !(chosen && chosen.value === "edit");
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", function () {
        update();
        if (radio.value === "edit" && radio.checked) box.querySelector("textarea").focus();
      });
    });
    update();
  });
})();
