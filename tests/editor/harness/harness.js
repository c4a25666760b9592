// A bare page around the chapter editor bundle, for the browser tests and the benchmark: the
// editor starts over the textarea's text as it does on the platform's chapter page.
(function () {
  "use strict";
  var strings = document.getElementById("editor-strings").dataset;
  function render(md) {  // the platform's pipeline, as the chapter page's preview endpoint renders it
    return fetch("/render", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: md }) })
      .then(function (r) { return r.json(); }).then(function (j) { return j.html; });
  }
  window.harness = {
    start: function (text, options) {
      options = options || {};
      var body = document.getElementById("body");
      body.value = text;
      var started = performance.now();
      window.editor = window.JointbookEditor.create({
        textarea: body,
        toolbar: document.querySelector(".md-toolbar"),
        fileInput: document.getElementById("image-file"),
        strings: Object.assign({}, strings),
        person: options.person || "teacher",
        file: "02-work-safety.md",
        renderMarkdown: render,
        uploadImage: function (file) {
          return fetch("/upload", { method: "POST", headers: { "X-Name": file.name || "image.png" }, body: file })
            .then(function (r) { return r.json(); }).then(function (j) { return { src: "../assets/" + j.name }; });
        },
        imageUrl: function (src) { return src.replace(/^\.\.\/assets\//, "/assets/"); },
        chapters: function () {
          return Promise.resolve([
            { filename: "01-locomotive-overview.md", title: "机车总体认知" },
            { filename: "02-work-safety.md", title: "机车检修作业安全" },
            { filename: "03-brake-test.md", title: "制动机的检查与试验" },
            { filename: "parts/04-pantograph.md", title: "受电弓的检查与维护" }
          ]);
        }
      });
      var took = performance.now() - started;
      if (options.preview) {  // the live preview beside the text, as on the chapter page
        document.getElementById("panes").className = "editor-panes";
        document.querySelector(".preview-pane").hidden = false;
        window.preview = window.JointbookPreview.attach(body, document.getElementById("preview"), render, "预览暂不可用");
      }
      return took;
    },
    markdown: function () { return window.editor.getMarkdown(); },
    field: function () { window.editor.flush(); return document.getElementById("body").value; }
  };
  document.getElementById("chapter-editor").addEventListener("submit", function (event) {
    event.preventDefault();
    window.submitted = document.getElementById("body").value;
  });
})();
