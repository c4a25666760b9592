// The chapter editor's live preview: the chapter as students will read it, rendered by the
// server's own pipeline (sanitized there with nh3) a moment after the author stops typing.
//
// A refresh changes only the blocks that changed. Replacing the whole preview on a long chapter
// (1,500 lines) held the page for 120–290 ms each time: parsing and laying out every block and
// typesetting every formula again, right when the author starts the next word, and a screen reader
// met a new chapter each time. Here the new HTML is parsed into an inert template and compared
// block by block (top-level elements, by their HTML as the server sent it) with what is shown: the
// blocks before and after the edit are kept as they are, with their typeset math. The rest is put
// in place in slices of a few milliseconds, off the keystroke; a refresh that is overtaken by new
// typing is dropped or stops, and the next one starts from what is on the page.
//
// Hand-written: a DOM morphing library (morphdom, idiomorph) compares node by node and attribute
// by attribute, and would undo the math KaTeX typeset in unchanged blocks; the preview's blocks are
// compared whole, by the server's HTML, which is cheaper and keeps that work.
(function () {
  "use strict";

  var SLICE_MS = 6;        // work done before the page gets a turn (a key, a frame)
  var QUIET_MS = 300;      // a refresh starts this long after the last change

  /** Typeset the \( \) and \[ \] formulas of `where` with the platform's KaTeX. */
  function typeset(where) {
    if (!window.renderMathInElement) { return; }
    try {
      window.renderMathInElement(where, {
        delimiters: [{ left: "\\(", right: "\\)", display: false }, { left: "\\[", right: "\\]", display: true }],
        throwOnError: false
      });
    } catch (e) { /* a formula being typed is allowed to be wrong */ }
  }

  /** The preview is a picture of the page, read but not used: its links and controls are not Tab stops. */
  function inert(node) {
    if (node.nodeType !== 1) { return; }
    var focusable = "a[href], input, button, select, textarea, summary, [tabindex]";
    if (node.matches(focusable)) { node.tabIndex = -1; }
    node.querySelectorAll(focusable).forEach(function (e) { e.tabIndex = -1; });
  }

  /** The top-level blocks of `html`, each with the HTML it was sent as. */
  function blocksOf(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var blocks = [];
    template.content.childNodes.forEach(function (node) {
      if (node.nodeType === 1) { blocks.push({ node: node, html: node.outerHTML }); }
      else if (node.nodeType === 3 && node.data.trim()) { blocks.push({ node: node, html: "#text" + node.data }); }
    });
    return blocks;
  }

  function Preview(element) {
    this.element = element;
    this.job = null;     // the refresh being put in place, if any
  }

  /** Show `html`: keep the blocks already shown, put the others in place in slices; then `done()`. */
  Preview.prototype.show = function (html, done) {
    this.stop();
    var element = this.element;
    var fresh = blocksOf(html);
    var shown = [];
    element.childNodes.forEach(function (node) {
      if (node.jointbookHtml !== undefined) { shown.push(node); }
    });
    // Anything not put there by a refresh (the placeholder) goes.
    Array.prototype.slice.call(element.childNodes).forEach(function (node) {
      if (node.jointbookHtml === undefined) { element.removeChild(node); }
    });
    var start = 0;
    while (start < shown.length && start < fresh.length && shown[start].jointbookHtml === fresh[start].html) { start++; }
    var endShown = shown.length, endFresh = fresh.length;
    while (endShown > start && endFresh > start && shown[endShown - 1].jointbookHtml === fresh[endFresh - 1].html) {
      endShown--; endFresh--;
    }
    // In between, a block shown with the same HTML is moved rather than made again.
    var spare = new Map();
    for (var i = start; i < endShown; i++) {
      var list = spare.get(shown[i].jointbookHtml);
      if (!list) { spare.set(shown[i].jointbookHtml, list = []); }
      list.push(shown[i]);
    }
    var steps = [];
    for (var k = start; k < endFresh; k++) {
      var same = spare.get(fresh[k].html);
      steps.push(same && same.length ? { keep: same.shift() } : { add: fresh[k] });
    }
    var leftover = [];
    spare.forEach(function (list) { leftover.push.apply(leftover, list); });
    var anchor = endShown < shown.length ? shown[endShown] : null;
    element.removeAttribute("data-error");
    this.job = { steps: steps, next: 0, anchor: anchor, leftover: leftover, timer: null, done: done };
    this.work();
  };

  /** One slice of the refresh; schedules the next until every block is in place. */
  Preview.prototype.work = function () {
    var job = this.job;
    if (!job) { return; }
    var element = this.element;
    var began = performance.now();
    while (job.leftover.length && performance.now() - began < SLICE_MS) {
      var gone = job.leftover.pop();
      if (gone.parentNode === element) { element.removeChild(gone); }
    }
    while (job.next < job.steps.length && performance.now() - began < SLICE_MS) {
      var step = job.steps[job.next++];
      if (step.keep) {
        element.insertBefore(step.keep, job.anchor);
      } else {
        var node = step.add.node;
        node.jointbookHtml = step.add.html;
        element.insertBefore(node, job.anchor);
        if (node.nodeType === 1) { typeset(node); inert(node); }
      }
    }
    if (job.leftover.length || job.next < job.steps.length) {
      var self = this;
      job.timer = setTimeout(function () { self.work(); }, 0);
    } else {
      this.job = null;
      this.reachable();
      if (job.done) { job.done(); }
    }
  };

  /** A preview wider or taller than its box scrolls: then it is a Tab stop, so the keyboard can scroll it too. */
  Preview.prototype.reachable = function () {
    var e = this.element;
    if (e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight) { e.tabIndex = 0; } else { e.removeAttribute("tabindex"); }
  };

  /** Leave the refresh half done: what is shown stays consistent, and the next refresh starts from it. */
  Preview.prototype.stop = function () {
    if (this.job) { clearTimeout(this.job.timer); this.job = null; }
  };

  /** Whether a refresh is still being put in place. */
  Preview.prototype.busy = function () { return this.job !== null; };

  /**
   * Keep `element` showing the text of `field` (a textarea) as rendered by `render(text)`, a
   * promise of sanitized HTML. `failed` is the message shown when rendering fails.
   *
   * The field gets the editor's text a moment after each change (index.js), not on every key, so
   * typing is watched on the field's form too: a key while the preview is behind drops the refresh
   * on its way, and the next one waits for the next pause.
   */
  function attach(field, element, render, failed) {
    var preview = new Preview(element);
    var version = 0, shown = -1, asked = 0, timer = null;
    function later() { clearTimeout(timer); timer = setTimeout(refresh, QUIET_MS); }
    function refresh() {
      var mine = ++asked, text = version;
      render(field.value).then(function (html) {
        if (mine !== asked) { return; }  // overtaken by typing or by a newer refresh
        preview.show(html, function () { shown = text; });
      }).catch(function () {
        if (mine === asked) { element.setAttribute("data-error", failed); }
      });
    }
    field.addEventListener("input", function () { version++; later(); });
    function typing() {
      if (shown === version) { return; }
      asked++;
      preview.stop();
      later();
    }
    (field.form || document).addEventListener("keydown", typing, true);
    (field.form || document).addEventListener("compositionupdate", typing, true);
    refresh();
    return preview;
  }

  window.JointbookPreview = { attach: attach, typeset: typeset };
})();
