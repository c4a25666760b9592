// Change request pages, progressive enhancement only: without this file a line number is a link
// that reloads the page with the comment form under that line.
(function () {
  "use strict";
  var template = document.getElementById("line-form-template");
  if (!template) { return; }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.line-link") : null;
    if (!link) { return; }
    var row = link.closest("tr");
    var table = link.closest("table");
    if (!row || !table) { return; }
    event.preventDefault();
    var next = row.nextElementSibling;
    if (next && next.classList.contains("form-row")) { next.remove(); return; }
    var line = row.getAttribute("data-line");
    var text = row.querySelector("td.code.new");
    var formRow = document.createElement("tr");
    formRow.className = "form-row";
    var cell = document.createElement("td");
    cell.colSpan = 4;
    cell.appendChild(template.content.cloneNode(true));
    formRow.appendChild(cell);
    cell.querySelector("input[name=path]").value = table.getAttribute("data-path");
    cell.querySelector("input[name=line]").value = line;
    var end = cell.querySelector("input[name=end_line]");
    end.value = line;
    end.min = line;
    cell.querySelector("textarea[name=replacement]").value = text ? text.textContent : "";
    row.parentNode.insertBefore(formRow, row.nextSibling);
    var body = cell.querySelector("textarea[name=body]");
    if (body) { body.focus(); }
  });
  // Ticking "suggest" without editing the replacement would suggest nothing: open the text for editing.
  document.addEventListener("change", function (event) {
    if (event.target.name === "suggest" && event.target.checked) {
      var form = event.target.closest("form");
      var replacement = form && form.querySelector("textarea[name=replacement]");
      if (replacement) { replacement.focus(); }
    }
  });
})();
