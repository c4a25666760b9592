/* The conflict screen: a passage's own text box shows only when the author chooses to edit it. */
(function () {
  "use strict";
  var form = document.getElementById("passages-form");
  if (!form) return;
  function update(number) {
    var box = form.querySelector('[data-edit-for="' + number + '"]');
    var chosen = form.querySelector('input[name="choice-' + number + '"]:checked');
    if (box) box.hidden = !(chosen && chosen.value === "edit");
  }
  form.querySelectorAll("[data-edit-for]").forEach(function (box) {
    var number = box.getAttribute("data-edit-for");
    form.querySelectorAll('input[name="choice-' + number + '"]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        update(number);
        if (radio.value === "edit" && radio.checked) box.querySelector("textarea").focus();
      });
    });
    update(number);
  });
})();
