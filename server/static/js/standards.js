// Standards and alignment pages: a print button where JavaScript runs (the page prints without it too).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
