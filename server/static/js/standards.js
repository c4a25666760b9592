// Standards and alignment pages: a print button where JavaScript runs (the page prints without it too).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});

// Statements keep their formulas as TeX (sanitized by the server); KaTeX typesets them where it is loaded.
function renderStatements(root) {
  if (!window.renderMathInElement) { return; }
  (root || document).querySelectorAll(".statement .arithmatex").forEach(function (el) {
    try {
      window.renderMathInElement(el, {
        delimiters: [{ left: "\\(", right: "\\)", display: false }, { left: "\\[", right: "\\]", display: true }],
        throwOnError: false
      });
    } catch (e) { /* a formula KaTeX cannot read stays as its TeX */ }
  });
}
renderStatements(document);
