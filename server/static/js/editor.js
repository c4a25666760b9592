// The chapter editor, as progressive enhancement over a plain form that works without it:
// the visual and source modes with their toolbar (static/vendor/editor), a live preview rendered
// by the server's own pipeline, image paste/drop/upload, objective rows, the standard-item picker, and
// drafts kept in this browser (localStorage) so a closed tab loses nothing.
(function () {
  "use strict";
  var form = document.getElementById("chapter-editor");
  if (!form) { return; }
  var body = document.getElementById("body");
  var preview = document.getElementById("preview");
  var strings = document.getElementById("editor-strings").dataset;
  var book = form.dataset.book, file = form.dataset.file, branch = form.dataset.branch, base = form.dataset.base;

  function csrf() { return form.querySelector("input[name=csrf_token]").value; }
  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }
  function changed() { body.dispatchEvent(new Event("input", { bubbles: true })); }

  // ---------------------------------------------------------------- the editor: visual and source modes
  // The vendored bundle (static/vendor/editor, built from frontend/) shows the text visually or as
  // Markdown, over the textarea, which stays the form field and always holds the Markdown.
  var uploadStatus = document.getElementById("upload-status");
  function upload(fileObject) {
    var data = new FormData();
    data.append("file", fileObject, fileObject.name || "image.png");
    uploadStatus.textContent = strings.uploading;
    return fetch(form.dataset.uploadUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      if (!result.ok) {
        uploadStatus.textContent = strings.uploadFailed + " " + ((result.json.error || {}).message || "");
        return null;
      }
      uploadStatus.textContent = strings.uploaded + " " + result.json.name;
      return { src: "../".repeat(file.split("/").length) + "assets/" + result.json.name };  // from chapters/<folders>/
    }).catch(function () { uploadStatus.textContent = strings.uploadFailed; return null; });
  }
  var asset = form.dataset.assetUrl.split("NAME");
  var rich = window.JointbookEditor.create({
    textarea: body,
    toolbar: form.querySelector(".md-toolbar"),
    fileInput: document.getElementById("image-file"),
    strings: Object.assign({}, strings),
    person: form.dataset.person,
    file: file,
    uploadImage: upload,
    imageUrl: function (src) {
      var m = /^(?:\.\.\/)+assets\/([^?#\/]+)$/.exec(src);
      return m ? asset[0] + m[1] + (asset[1] || "") : src;
    },
    renderMarkdown: function (markdown) {  // a block the visual mode keeps as written, rendered by the site's pipeline
      return fetch(form.dataset.previewUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
        body: JSON.stringify({ text: markdown, branch: branch })
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (json) { return json.html; });
    },
    chapters: function () {
      return fetch(form.dataset.chaptersUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (json) { return json.chapters || []; });
    }
  });

  // ---------------------------------------------------------------- preview
  // static/js/preview.js: refreshed after a pause in typing, only the blocks that changed
  window.JointbookPreview.attach(body, preview, function (text) {
    return fetch(form.dataset.previewUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify({ text: text, branch: branch })
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (json) { return json.html; });
  }, strings.previewFailed);

  // ---------------------------------------------------------------- the preview follows the text
  // Side by side, the preview (a box of its own) shows the part of the chapter that the text shows
  // in the window: as far through the preview as the window is through the text. On a phone the two
  // take turns, one tap apart, and the one shown opens where the other was.
  var panes = form.querySelector(".editor-panes");
  var writePane = form.querySelector(".write-pane");
  var previewPane = form.querySelector(".preview-pane");
  var side = window.matchMedia("(min-width: 980px)");
  function throughText() {  // how far through the text the middle of the window is, 0 to 1
    var box = writePane.getBoundingClientRect();
    if (!box.height) { return 0; }
    return Math.min(1, Math.max(0, (window.innerHeight / 2 - box.top) / box.height));
  }
  var following = false;
  function follow() {
    if (!side.matches || following) { return; }
    following = true;
    window.requestAnimationFrame(function () {
      following = false;
      var room = preview.scrollHeight - preview.clientHeight;
      if (room > 0) { preview.scrollTop = Math.round(throughText() * preview.scrollHeight - preview.clientHeight / 2); }
    });
  }
  window.addEventListener("scroll", follow, { passive: true });
  // the text's height settles after it is drawn (the Markdown mode measures lines lazily), the
  // preview's after each refresh: follow again when either changes size
  if (window.ResizeObserver) { new ResizeObserver(follow).observe(writePane); }
  if (window.MutationObserver) { new MutationObserver(follow).observe(preview, { childList: true }); }
  var paneSwitch = form.querySelector(".pane-switch");
  if (panes && paneSwitch) {
    panes.dataset.show = "text";
    paneSwitch.hidden = false;
    paneSwitch.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-show]");
      if (!button || panes.dataset.show === button.dataset.show) { return; }
      var shown = button.dataset.show === "text" ? writePane : previewPane;
      var fraction = panes.dataset.show === "text" ? throughText() : (function () {
        var box = previewPane.getBoundingClientRect();
        return box.height ? Math.min(1, Math.max(0, (window.innerHeight / 2 - box.top) / box.height)) : 0;
      })();
      panes.dataset.show = button.dataset.show;
      paneSwitch.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      var box = shown.getBoundingClientRect();
      window.scrollTo(0, Math.max(0, window.scrollY + box.top + fraction * box.height - window.innerHeight / 2));
    });
  }

  // ---------------------------------------------------------------- objectives
  var objectives = document.getElementById("objectives");
  document.getElementById("add-objective").addEventListener("click", function () {
    var row = document.getElementById("tpl-objective").content.firstElementChild.cloneNode(true);
    objectives.appendChild(row);
    row.querySelector("input").focus();
    keepDraft();
  });
  objectives.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) { return; }
    var row = button.closest("li");
    if (objectives.children.length > 1) { row.remove(); } else { row.querySelector("input").value = ""; }
    keepDraft();
  });

  // ---------------------------------------------------------------- standard items
  var chips = document.getElementById("standard-chips");
  var picker = document.getElementById("standard-picker");
  var search = document.getElementById("standard-search");
  var results = document.getElementById("standard-results");
  picker.hidden = false;
  function chosen() {
    return Array.prototype.map.call(chips.querySelectorAll("input[name=standards]:checked"), function (i) { return i.value; });
  }
  function addChip(key, label) {
    var existing = chips.querySelector("input[name=standards][value=\"" + CSS.escape(key) + "\"]");
    if (existing) { existing.checked = true; keepDraft(); return; }
    var li = document.createElement("li");
    li.className = "chip";
    var lab = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox"; box.name = "standards"; box.value = key; box.checked = true;
    var code = document.createElement("span"); code.className = "chip-code"; code.textContent = key;
    var text = document.createElement("span"); text.className = "chip-text"; text.textContent = label;
    lab.appendChild(box); lab.appendChild(code); lab.appendChild(document.createTextNode(" ")); lab.appendChild(text);
    li.appendChild(lab);
    chips.appendChild(li);
    keepDraft();
  }
  function showItems(items) {
    results.textContent = "";
    if (!items.length) {
      var none = document.createElement("li"); none.className = "muted"; none.textContent = strings.noItems;
      results.appendChild(none);
      return;
    }
    var have = chosen();
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "picker-item";
      var button = document.createElement("button");
      button.type = "button"; button.className = "button secondary small";
      button.dataset.key = item.key;
      button.textContent = have.indexOf(item.key) >= 0 ? strings.added : strings.add;
      var desc = document.createElement("span");
      desc.className = "picker-desc";
      var statement = document.createElement("span");
      statement.className = "statement";
      if (item.html) { statement.innerHTML = item.html; } else { statement.textContent = item.text; } // sanitized by the server (nh3)
      desc.appendChild(document.createTextNode(item.code + " "));
      desc.appendChild(statement);
      desc.appendChild(document.createTextNode(" · " + (item.level_label || item.level) + " · " + (item.kind_label || item.kind)));
      window.JointbookPreview.typeset(statement);
      li.appendChild(button); li.appendChild(desc);
      if (item.chapters.length) {
        var covered = document.createElement("small");
        covered.className = "muted picker-covered";
        covered.textContent = strings.covered + " " + (item.chapter_titles || item.chapters).join(", ");
        li.appendChild(covered);
      }
      button.addEventListener("click", function () {
        addChip(item.key, item.code + " " + item.text);
        button.textContent = strings.added;
      });
      if (item.children) {  // browsing: go down the tree (work area → task → skill)
        var open = document.createElement("button");
        open.type = "button"; open.className = "button secondary small picker-open";
        open.textContent = strings.openChildren + " (" + item.children + ")";
        open.addEventListener("click", function () { browse(item.key); });
        li.appendChild(open);
      }
      results.appendChild(li);
    });
  }
  var searchRequest = 0;
  function itemsUrl(params) {
    return form.dataset.itemsUrl + (form.dataset.itemsUrl.indexOf("?") >= 0 ? "&" : "?") + params;
  }
  function browse(under) {
    var mine = ++searchRequest;
    fetch(itemsUrl("under=" + encodeURIComponent(under)), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (json) {
        if (mine !== searchRequest) { return; }
        showItems(json.items || []);
        if (under) {
          var up = document.createElement("li");
          var top = document.createElement("button");
          top.type = "button"; top.className = "button secondary small"; top.textContent = strings.browseTop;
          top.addEventListener("click", function () { browse(""); });
          up.appendChild(top);
          results.insertBefore(up, results.firstChild);
        }
      });
  }
  document.getElementById("standard-browse").addEventListener("click", function () { search.value = ""; browse(""); });
  search.addEventListener("input", debounce(function () {
    var mine = ++searchRequest;
    var url = form.dataset.itemsUrl + (form.dataset.itemsUrl.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(search.value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (json) { if (mine === searchRequest) { showItems(json.items || []); } });
  }, 250));
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); } // Enter searches; it must not save the chapter
  });
  chips.addEventListener("change", keepDraft);

  // ---------------------------------------------------------------- the chapter's details
  // The text comes first; the details are one line above it (a <details>) that says what they hold,
  // kept up to date as the author edits them. Escape or Close folds them with the focus back on
  // that line, and a field the browser refuses (an empty title) opens them, so Save never stops
  // silently at a field out of sight.
  var details = document.getElementById("chapter-details");
  var detailsButton = document.getElementById("details-button");
  var facts = document.getElementById("details-facts");
  var chapterTitle = document.getElementById("chapter-title");
  function fold() { details.open = false; detailsButton.focus(); }
  var closeDetails = document.getElementById("close-details");
  closeDetails.hidden = false;
  closeDetails.addEventListener("click", fold);
  details.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !details.open) { return; }
    if (event.target === search && search.value) { return; }  // Escape empties the search first
    event.preventDefault();
    fold();
  });
  form.addEventListener("invalid", function (event) {
    if (details.contains(event.target)) { details.open = true; }
  }, true);
  function counted(n, one, many) { return (n === 1 ? one : many).replace("{n}", String(n)); }
  function describeDetails() {
    var written = Array.prototype.filter.call(form.querySelectorAll("input[name=objectives]"), function (i) {
      return i.value.trim();
    }).length;
    facts.querySelector("[data-fact=objectives]").textContent = counted(written, strings.objectivesOne, strings.objectivesMany);
    var hours = form.elements.hours.value.trim();
    facts.querySelector("[data-fact=hours]").textContent = hours ? " · " + strings.hours.replace("{n}", hours) : "";
    facts.querySelector("[data-fact=standards]").textContent = " · " + counted(chosen().length, strings.itemsOne, strings.itemsMany);
    chapterTitle.textContent = form.elements.title.value.trim() || file;
  }
  details.addEventListener("input", describeDetails);
  details.addEventListener("change", describeDetails);
  if (window.MutationObserver) {
    new MutationObserver(describeDetails).observe(objectives, { childList: true });
    new MutationObserver(describeDetails).observe(chips, { childList: true });
  }

  // ---------------------------------------------------------------- drafts in this browser
  var prefix = "jointbook:draft:" + book + ":" + file + ":" + branch + ":";
  var key = prefix + base;
  var status = document.getElementById("autosave-status");
  function fields() {
    rich.flush();
    return {
      title: form.elements.title.value,
      objectives: Array.prototype.map.call(form.querySelectorAll("input[name=objectives]"), function (i) { return i.value; }),
      hours: form.elements.hours.value,
      summary: form.elements.summary.value,
      standards: chosen(),
      body: body.value,
      message: form.elements.message.value
    };
  }
  var initial = JSON.stringify(fields());
  function keepDraft() {
    var now = fields();
    try {
      if (JSON.stringify(now) === initial) { localStorage.removeItem(key); return; }
      now.base = base; now.savedAt = new Date().toISOString();
      localStorage.setItem(key, JSON.stringify(now));
      status.textContent = strings.autosaved;
    } catch (e) { /* storage full or disabled: the form still works */ }
  }
  form.addEventListener("input", debounce(keepDraft, 400));

  function draftsOfThisChapter() {
    var found = [];
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      if (k && k.indexOf(prefix) === 0) { found.push(k); }
    }
    return found;
  }
  function apply(draft) {
    if (draft.base && draft.base !== base) {
      // Saved against the version the draft was written on, so others' edits since are merged, not overwritten.
      base = draft.base;
      key = prefix + base;
      form.elements.base.value = base;
    }
    form.elements.title.value = draft.title || "";
    form.elements.hours.value = draft.hours || "";
    form.elements.summary.value = draft.summary || "";
    form.elements.message.value = draft.message || "";
    body.value = draft.body || "";
    objectives.textContent = "";
    (draft.objectives && draft.objectives.length ? draft.objectives : [""]).forEach(function (text) {
      var row = document.getElementById("tpl-objective").content.firstElementChild.cloneNode(true);
      row.querySelector("input").value = text;
      objectives.appendChild(row);
    });
    Array.prototype.forEach.call(chips.querySelectorAll("input[name=standards]"), function (box) {
      box.checked = (draft.standards || []).indexOf(box.value) >= 0;
    });
    (draft.standards || []).forEach(function (k) { addChip(k, ""); });
    describeDetails();
    changed();
  }

  try {
    if (form.dataset.justSaved) {
      // The save went through: what the browser kept is in the library now.
      draftsOfThisChapter().forEach(function (k) { localStorage.removeItem(k); });
    } else {
      var keys = draftsOfThisChapter().sort(function (a, b) {
        return (JSON.parse(localStorage.getItem(b)).savedAt || "").localeCompare(JSON.parse(localStorage.getItem(a)).savedAt || "");
      });
      var newest = keys.length ? JSON.parse(localStorage.getItem(keys[0])) : null;
      if (newest && JSON.stringify({
        title: newest.title, objectives: newest.objectives, hours: newest.hours, summary: newest.summary,
        standards: newest.standards, body: newest.body, message: newest.message
      }) !== initial) {
        var banner = document.getElementById("draft-restore");
        banner.querySelector(".draft-when").textContent = new Date(newest.savedAt).toLocaleString();
        banner.hidden = false;
        banner.addEventListener("click", function (event) {
          var what = event.target.dataset && event.target.dataset.draft;
          if (what === "restore") {
            apply(newest);
            keepDraft();
            banner.hidden = true;
          } else if (what === "discard") {
            keys.forEach(function (k) { localStorage.removeItem(k); });
            banner.hidden = true;
          }
        });
      }
    }
  } catch (e) { /* no storage: nothing to restore */ }

  var saving = false;
  form.addEventListener("submit", function () { keepDraft(); saving = true; });

  // ---------------------------------------------------------------- who else has this chapter open
  // "王老师 is editing this chapter (since 10:02)": the page says it is still here every few seconds
  // and shows who else is; closing it says goodbye (a save comes straight back, so it does not).
  var presence = document.getElementById("presence");
  if (presence) {
    var beat = function () {
      if (document.hidden) { return; }
      fetch(presence.dataset.url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
        body: JSON.stringify({ branch: branch })
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (json) {
        if (!json) { return; }
        var lines = json.editing.map(function (e) { return e.text; });
        var shown = [].map.call(presence.querySelectorAll(".presence-person"), function (p) { return p.textContent; });
        if (lines.join("\n") === shown.join("\n")) { return; }  // unchanged: nothing re-announced
        presence.textContent = "";
        lines.forEach(function (text) {
          var p = document.createElement("p");
          p.className = "presence-person";
          p.textContent = text;
          presence.appendChild(p);
        });
      }).catch(function () { /* offline for a moment: the next beat tries again */ });
    };
    setInterval(beat, 1000 * (Number(presence.dataset.heartbeat) || 15));
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { beat(); } });
    window.addEventListener("pagehide", function () {
      if (saving) { return; }
      fetch(presence.dataset.goneUrl, {
        method: "DELETE", credentials: "same-origin", keepalive: true, headers: { "X-CSRFToken": csrf() }
      }).catch(function () { /* it expires by itself */ });
    });
  }
})();
