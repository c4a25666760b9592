/* Jointbook book site: math, withdrawn-version banner, reader's selection,
   feedback form and answered questions. Local file, no dependency but KaTeX. */
(function () {
  "use strict";
  function meta(name) {
    var el = document.querySelector('meta[name="jointbook:' + name + '"]');
    return el ? el.getAttribute("content") : null;
  }
  var i18n = {};
  try { i18n = JSON.parse((document.querySelector("[data-jb-i18n]") || {}).textContent || "{}"); } catch (e) { i18n = {}; }

  /* Math: arithmatex's generic output, rendered by the vendored KaTeX. */
  if (window.renderMathInElement) {
    document.querySelectorAll(".arithmatex").forEach(function (el) {
      window.renderMathInElement(el, {
        delimiters: [
          { left: "\\(", right: "\\)", display: false },
          { left: "\\[", right: "\\]", display: true }
        ],
        throwOnError: false
      });
    });
  }

  /* Versions: a withdrawn version says so (versions.json is read at view time,
     so withdrawing never rewrites the published files). Only released sites have
     versions (and a versions.json beside them); previews and drafts have none. */
  var config = {};
  try { config = JSON.parse(document.getElementById("__config").textContent); } catch (e) { config = {}; }
  if (config.base && config.version && location.protocol !== "file:") {
    var base = new URL(config.base, location.href);
    fetch(new URL("../versions.json", base)).then(function (r) { return r.ok ? r.json() : []; }).then(function (versions) {
      var here = (base.pathname.match(/([^/]+)\/?$/) || [])[1];
      var entry = (versions || []).find(function (v) { return v.version === here || (v.aliases || []).indexOf(here) >= 0; });
      if (entry && entry.properties && entry.properties.withdrawn) {
        document.querySelectorAll("[data-jb-withdrawn]").forEach(function (el) { el.hidden = false; });
      }
      /* A release that passed textbook review (教材审核) says when. */
      var reviewed = entry && entry.properties && entry.properties.reviewed;
      if (typeof reviewed === "string" && /^\d{4}-\d{2}-\d{2}$/.test(reviewed)) {
        document.querySelectorAll("[data-jb-reviewed]").forEach(function (el) {
          var date = el.querySelector("[data-jb-reviewed-date]");
          if (date) date.textContent = reviewed;
          el.hidden = false;
        });
      }
    }).catch(function () {});
  }

  /* Downloads: the release's files are made after its site, so their sizes are asked
     of the server (HEAD); a file not there yet says so. */
  var zh = /^zh/i.test(document.documentElement.lang || "");
  document.querySelectorAll("a.jb-download").forEach(function (link) {
    var size = link.parentNode.querySelector(".jb-download-size");
    if (!size || location.protocol === "file:") return;
    fetch(link.href, { method: "HEAD" }).then(function (r) {
      var bytes = Number(r.headers.get("Content-Length"));
      if (!r.ok) {
        link.parentNode.classList.add("jb-download-pending");
        size.textContent = zh ? "（正在生成，请稍后再来）" : "(being made, please come back later)";
      } else if (bytes > 0) {
        size.textContent = "(" + (bytes < 1048576 ? Math.max(1, Math.round(bytes / 1024)) + " KB"
                                                  : (bytes / 1048576).toFixed(1) + " MB") + ")";
      }
    }).catch(function () {});
  });

  /* Names for assistive technology. Material's search dialog has none: it takes the name of
     its field ("搜索"). Its version button is named "Select version" but shows "2.0": a reader
     who says what they see ("2.0") must reach it, so the name starts with what it shows. */
  var dialog = document.querySelector(".md-search[role=dialog]");
  var field0 = document.querySelector("[data-md-component=search-query]");
  if (dialog && field0 && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", field0.getAttribute("aria-label") || "Search");
  function nameVersionButton() {
    var button = document.querySelector(".md-version__current:not([data-jb-named])");
    if (!button) return false;
    var action = button.getAttribute("aria-label") || "";
    button.setAttribute("aria-label", button.textContent.trim() + (action ? " · " + action : ""));
    button.setAttribute("data-jb-named", "");
    return true;
  }
  var topic = document.querySelector(".md-header__topic");
  if (topic && window.MutationObserver && !nameVersionButton()) {   /* the selector arrives with versions.json */
    var watch = new MutationObserver(function () { if (nameVersionButton()) watch.disconnect(); });
    watch.observe(topic, { childList: true, subtree: true });
  }

  /* Search with a Chinese input method: Material searches on keyup, but the word a
     pinyin or handwriting method commits arrives with compositionend (and pasted or
     dictated text with input) and no keyup at all, so those start the same search. */
  var query = document.querySelector("[data-md-component=search-query]");
  if (query) {
    var search = function () { query.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true })); };
    query.addEventListener("compositionend", search);
    query.addEventListener("input", function (ev) { if (!ev.isComposing) search(); });
  }
  /* The index cuts Chinese into words with zero-width spaces (U+200B) so the search
     finds them; results show the text without them, as the pages have it. */
  var results = document.querySelector("[data-md-component=search-result]");
  if (results && window.MutationObserver) {
    var unsplit = function (root) {
      var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        var node = walker.currentNode;
        if (node.data.indexOf("\u200b") >= 0) node.data = node.data.replace(/\u200b/g, "");
      }
    };
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) { if (node.nodeType === 1 || node.nodeType === 3) unsplit(node.nodeType === 1 ? node : node.parentNode); });
      });
    }).observe(results, { childList: true, subtree: true });
  }

  var form = document.querySelector("[data-jb-form]");
  var notice = document.querySelector("[data-jb-notice]");
  var platform = meta("platform");
  function degrade() {
    if (form) form.hidden = true;
    var rating = document.querySelector("[data-jb-helpful]");
    if (rating) rating.hidden = true;
    if (notice) notice.hidden = false;
  }
  if (!form) return;
  if (platform === null || location.protocol === "file:" && !/^https?:/.test(platform)) { degrade(); return; }

  /* The reader's selected text goes with the feedback (what the question is about). */
  var field = form.querySelector("[data-jb-selection]");
  var view = form.querySelector("[data-jb-selection-view]");
  var article = document.querySelector("article");
  function quote(text) {
    field.value = text;
    view.textContent = (i18n.selected || "") + text.slice(0, 200);
    view.hidden = false;
  }
  /* "Ask about this passage": a button beside the selection (below it, so a phone's
     own copy menu above the selection does not cover it) opens the form with the
     passage quoted; the platform links the question back to it as a text fragment. */
  var ask = document.createElement("button");
  ask.type = "button";
  ask.className = "jb-ask";
  ask.textContent = i18n.ask || "Ask about this passage";
  ask.hidden = true;
  document.body.appendChild(ask);
  var chosen = "";
  function hideAsk() { ask.hidden = true; }
  function placeAsk(sel) {
    var rects = sel.getRangeAt(0).getClientRects();
    var last = rects.length ? rects[rects.length - 1] : sel.getRangeAt(0).getBoundingClientRect();
    ask.hidden = false;
    var left = Math.min(Math.max(8, last.left), document.documentElement.clientWidth - ask.offsetWidth - 8);
    ask.style.top = (window.scrollY + last.bottom + 8) + "px";
    ask.style.left = (window.scrollX + Math.max(8, left)) + "px";
  }
  document.addEventListener("selectionchange", function () {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount || !article || !article.contains(sel.anchorNode) ||
        form.contains(sel.anchorNode)) { if (sel && sel.isCollapsed) hideAsk(); return; }
    var text = sel.toString().trim().slice(0, 1000);
    if (!text) { hideAsk(); return; }
    chosen = text;
    quote(text);
    placeAsk(sel);
  });
  /* pressing the button must not clear the selection before it is read (mouse and touch) */
  ask.addEventListener("pointerdown", function (ev) { ev.preventDefault(); });
  ask.addEventListener("click", function () {
    if (chosen) quote(chosen);
    var kind = form.querySelector("select[name=kind]");
    if (kind) kind.value = "question";
    hideAsk();
    form.scrollIntoView({ block: "start" });
    var words = form.querySelector("textarea[name=text]");
    if (words) words.focus({ preventScroll: true });
  });

  var status = form.querySelector("[data-jb-status]");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var data = {};
    new FormData(form).forEach(function (v, k) { data[k] = v; });
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(data)
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      status.textContent = i18n.sent || "OK";
      form.reset(); field.value = ""; view.hidden = true;
    }).catch(function () { status.textContent = i18n.failed || "Error"; });
  });

  /* "Was this page helpful?": one click, no text needed. */
  var helpful = document.querySelector("[data-jb-helpful]");
  if (helpful) {
    helpful.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = {};
      new FormData(helpful).forEach(function (v, k) { data[k] = v; });
      data.helpful = ev.submitter ? ev.submitter.value : "yes";
      fetch(helpful.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(data)
      }).then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        helpful.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        helpful.querySelector("[data-jb-helpful-status]").textContent = i18n.thanks || "OK";
      }).catch(function () { helpful.querySelector("[data-jb-helpful-status]").textContent = i18n.failed || "Error"; });
    });
  }

  /* Answered public questions under the page; the page reads fine without them. */
  var url = platform + "/api/feedback/public?book=" + encodeURIComponent(meta("book") || "") +
            "&page=" + encodeURIComponent(meta("page") || "");
  fetch(url, { headers: { "Accept": "application/json" } }).then(function (r) {
    if (!r.ok) throw new Error(String(r.status));
    return r.json();
  }).then(function (data) {
    var items = Array.isArray(data) ? data : (data && (data.items || data.feedback)) || [];
    var box = document.querySelector("[data-jb-answers]");
    var list = document.querySelector("[data-jb-answer-list]");
    items.forEach(function (q) {
      var li = document.createElement("li");
      var ask = document.createElement("p"); ask.className = "jb-q"; ask.textContent = q.text || q.question || "";
      var ans = document.createElement("p"); ans.className = "jb-a"; ans.textContent = (i18n.answer || "") + (q.answer || "");
      li.appendChild(ask); li.appendChild(ans); list.appendChild(li);
    });
    if (items.length) box.hidden = false;
  }).catch(function () { degrade(); });
})();
