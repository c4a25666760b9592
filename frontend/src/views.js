// How the constructs that are not plain text look and are edited in the visual mode: admonitions,
// content tabs, math (typeset with the platform's KaTeX), code blocks, task items, images, and
// protected blocks (rendered by the platform, edited as Markdown in place).

import { NodeSelection, TextSelection } from "@tiptap/pm/state";

/** What the views need from the page: labels, the Markdown renderer, where images are served. */
export const config = {
  strings: {},
  renderMarkdown: null,   // (markdown) => Promise<html>, html sanitized by the platform
  imageUrl: (src) => src,
};

const t = (key, fallback) => config.strings[key] || fallback;
const kindLabel = (k) => t("kind" + k.charAt(0).toUpperCase() + k.slice(1), k);

export const ADMONITION_KINDS = ["note", "abstract", "info", "tip", "success", "question", "warning", "failure", "danger",
  "bug", "example", "quote"];

export function codeLanguage(info) {
  const m = /^\s*\{?\s*\.?([\w+#-]+)/.exec(info || "");
  return m ? m[1] : "";
}

export function keyParts(keys) {
  const parts = [];
  keys.split("+").forEach((k, i) => {
    if (i) { parts.push(["span", {}, "+"]); }
    parts.push(["kbd", {}, k.replace(/^"|"$/g, "")]);
  });
  return parts;
}

export function imageUrl(src) { return config.imageUrl(src); }

export function renderMath(el, tex, display) {
  el.textContent = "";
  el.classList.remove("math-error");
  const katex = typeof window !== "undefined" && window.katex;
  if (!katex) { el.textContent = display ? "$$" + tex + "$$" : "$" + tex + "$"; return; }
  try {
    katex.render(tex, el, { throwOnError: true, displayMode: display, output: "htmlAndMathml" });
  } catch (e) {
    // a formula being typed may not be TeX yet: shown as written (KaTeX's own error view uses an inline style)
    el.textContent = tex;
    el.classList.add("math-error");
  }
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) { continue; }
    if (k === "class") { el.className = v; } else if (k.startsWith("on")) { el.addEventListener(k.slice(2), v); } else { el.setAttribute(k, v === true ? "" : v); }
  }
  for (const c of children) { if (c !== null && c !== undefined) { el.append(c); } }
  return el;
}

/**
 * The controls of a box, a tab, a picture… are Tab stops only while the caret is in (or on) that
 * block: a chapter with twenty boxes is not eighty Tabs long. `reachable` is set by the editor
 * (visual.js) as the selection moves.
 */
export function setReachable(root, reachable) {
  root.jointbookReachable = reachable;
  for (const el of root.querySelectorAll("[data-controls] input, [data-controls] select, [data-controls] textarea, [data-controls] button")) {
    if (el.closest("[data-view]") !== root) { continue; }
    const rovingTab = el.getAttribute("role") === "tab";
    el.tabIndex = reachable && (!rovingTab || el.getAttribute("aria-selected") === "true") ? 0 : -1;
  }
}

function viewRoot(dom) {
  dom.setAttribute("data-view", "");
  setReachable(dom, false);
  return dom;
}

let uid = 0;
const nextId = (p) => p + "-" + (++uid);

function setAttrs(editor, getPos, node, changes) {
  const pos = getPos();
  if (typeof pos !== "number") { return; }
  const tr = editor.view.state.tr.setNodeMarkup(pos, undefined, { ...node.attrs, ...changes });
  editor.view.dispatch(tr);
}

/** Controls inside a node view are the view's own: ProseMirror leaves their events and DOM alone.
 * Pressing one of their buttons leaves the caret where the action puts it (the browser would move it). */
function ownControls(dom) {
  dom.addEventListener("mousedown", (e) => {
    const b = e.target.closest && e.target.closest("[data-controls] button");
    if (b && dom.contains(b)) { e.preventDefault(); }
  });
  return {
    stopEvent: (event) => !!(event.target.closest && event.target.closest("[data-controls]") && dom.contains(event.target)),
    ignoreMutation: (m) => m.type === "selection" || (m.type === "attributes" && m.target === dom) ||
      !!(m.target.closest && m.target.closest("[data-controls]")),
  };
}

// ------------------------------------------------------------------ admonitions

// A box's controls, made once and copied for each box: a long chapter has dozens of boxes, and
// copying the controls is several times faster than making each one option by option.
let boxHead = null;
function admonitionHead() {
  if (!boxHead || boxHead.strings !== config.strings) {
    const kind = h("select", { "aria-label": t("admonitionKind", "Box type") },
      ...ADMONITION_KINDS.map((k) => h("option", { value: k }, kindLabel(k))));
    const title = h("input", { type: "text", class: "admonition-title-input", "aria-label": t("admonitionTitle", "Box title") });
    const fold = h("select", { "aria-label": t("admonitionFold", "Folding") },
      h("option", { value: "!!!" }, t("foldNone", "always open")),
      h("option", { value: "???" }, t("foldClosed", "folded, opens on click")),
      h("option", { value: "???+" }, t("foldOpen", "open, can be folded")));
    boxHead = { strings: config.strings, dom: h("div", { class: "admonition-head", contenteditable: "false", "data-controls": "" }, kind, title, fold) };
  }
  return boxHead.dom.cloneNode(true);
}

export function admonitionView({ node, getPos, editor }) {
  const head = admonitionHead();
  const [kind, title, fold] = head.children;
  const body = h("div", { class: "admonition-body" });
  const dom = viewRoot(h("div", { class: "admonition" }, head, body));
  let current = node;
  const show = (n) => {
    const k = n.attrs.kind.split(" ")[0];
    dom.className = "admonition " + n.attrs.kind + (n.attrs.marker !== "!!!" ? " collapsible" : "");
    if (![...kind.options].some((o) => o.value === k)) { kind.append(h("option", { value: k }, k)); }
    kind.value = k;
    if (document.activeElement !== title) { title.value = n.attrs.title === null ? "" : n.attrs.title; }
    title.placeholder = kindLabel(k);
    fold.value = n.attrs.marker;
  };
  show(node);
  kind.addEventListener("change", () => {
    const rest = current.attrs.kind.split(" ").slice(1);
    setAttrs(editor, getPos, current, { kind: [kind.value].concat(rest).join(" ") });
  });
  title.addEventListener("input", () => {
    const v = title.value;
    setAttrs(editor, getPos, current, { title: v === "" ? (current.attrs.title === "" ? "" : null) : v });
  });
  fold.addEventListener("change", () => setAttrs(editor, getPos, current, { marker: fold.value }));
  return {
    dom, contentDOM: body, ...ownControls(dom),
    update(n) { if (n.type !== current.type) { return false; } current = n; show(n); return true; },
  };
}

// ------------------------------------------------------------------ content tabs

export function tabsView({ node, getPos, editor }) {
  // the tab buttons are the tablist; "Add a tab" sits beside it, since a tablist may hold only tabs
  const list = h("div", { class: "md-tabs-list", role: "tablist" });
  const bar = h("div", { class: "md-tabs-bar", contenteditable: "false", "data-controls": "" }, list);
  const body = h("div", { class: "md-tabs-body" });
  const dom = viewRoot(h("div", { class: "md-tabs" }, bar, body));
  let current = node;
  let active = 0;
  const draw = () => {
    bar.textContent = "";
    list.textContent = "";
    bar.append(list);
    active = Math.min(active, current.childCount - 1);
    current.forEach((tab, _, i) => {
      const b = h("button", { type: "button", role: "tab", "aria-selected": i === active ? "true" : "false",
        tabindex: i === active ? "0" : "-1", class: "md-tabs-label" }, tab.attrs.title || t("untitledTab", "(untitled)"));
      b.addEventListener("click", () => { activate(i); focusTab(i); });
      b.addEventListener("keydown", (e) => {
        if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
          e.preventDefault();
          const k = (active + (e.key === "ArrowRight" ? 1 : -1) + current.childCount) % current.childCount;
          activate(k); list.children[k].focus();
        }
      });
      list.append(b);
    });
    const add = h("button", { type: "button", class: "md-tabs-add", title: t("addTab", "Add a tab"), "aria-label": t("addTab", "Add a tab") }, "+");
    add.addEventListener("click", () => {
      const pos = getPos();
      const tabType = editor.schema.nodes.tab;
      const n = current.childCount + 1;
      const placeholder = t("tabText", "…") + " " + n;
      const tab = tabType.create({ title: t("tab", "Tab") + " " + n, gap: "\n" },
        editor.schema.nodes.paragraph.create(null, editor.schema.text(placeholder)));
      const end = pos + current.nodeSize - 1;
      const tr = editor.view.state.tr.insert(end, tab);
      tr.setSelection(TextSelection.create(tr.doc, end + 2, end + 2 + placeholder.length));  // typed over
      active = current.childCount;
      editor.view.dispatch(tr);
      editor.view.focus();
    });
    bar.append(add);
    setReachable(dom, !!dom.jointbookReachable);
    // which tab shows is CSS on the container: a tab rendered after this update shows at once
    dom.dataset.active = String(active);
  };
  const focusTab = (i) => {
    const pos = getPos();
    let p = pos + 1;
    for (let k = 0; k < i; k++) { p += current.child(k).nodeSize; }
    const sel = TextSelection.near(editor.view.state.doc.resolve(p + 1));
    editor.view.dispatch(editor.view.state.tr.setSelection(sel));
    editor.view.focus();
  };
  const activate = (i) => {
    if (i === active) { return; }
    active = i;
    draw();
  };
  dom.jointbookActivate = (i) => { if (i !== active) { active = i; draw(); } };
  requestAnimationFrame(draw);
  draw();
  return {
    dom, contentDOM: body, ...ownControls(dom),
    update(n) { if (n.type !== current.type) { return false; } current = n; draw(); return true; },
  };
}

export function tabView({ node, getPos, editor }) {
  const title = h("input", { type: "text", class: "md-tab-title", "aria-label": t("tabTitle", "Tab title") });
  const remove = h("button", { type: "button", class: "md-tab-remove", title: t("removeTab", "Remove this tab"), "aria-label": t("removeTab", "Remove this tab") }, "×");
  const head = h("div", { class: "md-tab-head", contenteditable: "false", "data-controls": "" }, title, remove);
  const body = h("div", { class: "md-tab-body" });
  const dom = viewRoot(h("section", { class: "md-tab" }, head, body));
  let current = node;
  const show = (n) => { if (document.activeElement !== title) { title.value = n.attrs.title; } };
  show(node);
  title.addEventListener("input", () => setAttrs(editor, getPos, current, { title: title.value.replace(/"/g, "”") }));
  remove.addEventListener("click", () => {
    const pos = getPos();
    const $pos = editor.view.state.doc.resolve(pos);
    const tabs = $pos.parent;
    const tr = editor.view.state.tr;
    if (tabs.childCount === 1) { tr.delete($pos.before(), $pos.after()); } else { tr.delete(pos, pos + current.nodeSize); }
    editor.view.dispatch(tr);
    editor.view.focus();
  });
  return {
    dom, contentDOM: body, ...ownControls(dom),
    update(n) { if (n.type !== current.type) { return false; } current = n; show(n); return true; },
  };
}

// ------------------------------------------------------------------ math

/** A small panel to edit the text behind an atom (a formula, keys, raw HTML) with a live preview. */
function openPanel(editor, getPos, node, { label, value, multiline, preview, apply }) {
  closePanels();
  const field = multiline ? h("textarea", { rows: "3", class: "atom-field" }) : h("input", { type: "text", class: "atom-field" });
  const id = nextId("atom");
  field.id = id;
  field.value = value;
  const shown = h("div", { class: "atom-preview", "aria-hidden": "true" });
  const done = h("button", { type: "button", class: "button small" }, t("done", "Done"));
  const panel = h("div", { class: "atom-panel", role: "dialog", "aria-label": label, "data-controls": "" },
    h("label", { for: id }, label), field, preview ? shown : null, done);
  const refresh = () => { if (preview) { preview(shown, field.value); } };
  refresh();
  let cur = node;
  field.addEventListener("input", () => {
    refresh();
    const pos = getPos();
    if (typeof pos !== "number") { return; }
    const attrs = { ...cur.attrs, ...apply(field.value) };
    editor.view.dispatch(editor.view.state.tr.setNodeMarkup(pos, undefined, attrs));
    cur = editor.view.state.doc.nodeAt(pos);
  });
  const close = (returnFocus = true) => {
    panel.remove();
    document.removeEventListener("mousedown", outside, true);
    if (returnFocus) {
      const pos = getPos();
      if (typeof pos === "number") {
        const after = pos + editor.view.state.doc.nodeAt(pos).nodeSize;
        editor.view.dispatch(editor.view.state.tr.setSelection(TextSelection.near(editor.view.state.doc.resolve(after))));
      }
      editor.view.focus();
    }
  };
  const outside = (e) => { if (!panel.contains(e.target)) { close(false); } };
  field.addEventListener("keydown", (e) => {
    if (e.key === "Escape" || (e.key === "Enter" && (!multiline || e.ctrlKey || e.metaKey))) { e.preventDefault(); close(); }
  });
  done.addEventListener("click", () => close());
  panel.jointbookClose = close;
  const host = editor.view.dom.parentElement;
  host.append(panel);
  const dom = editor.view.nodeDOM(getPos());
  if (dom && dom.getBoundingClientRect) {
    const r = dom.getBoundingClientRect(), hr = host.getBoundingClientRect();
    panel.style.top = (r.bottom - hr.top + host.scrollTop + 4) + "px";
    panel.style.left = Math.max(0, Math.min(r.left - hr.left, hr.width - 320)) + "px";
  }
  setTimeout(() => document.addEventListener("mousedown", outside, true));
  field.focus();
  field.select();
  return panel;
}

export function closePanels() {
  document.querySelectorAll(".atom-panel").forEach((p) => p.jointbookClose ? p.jointbookClose(false) : p.remove());
}

function atomView(node, getPos, editor, { tag, cls, render, panel }) {
  const dom = h(tag, { class: cls, contenteditable: "false", tabindex: "-1" });
  let current = node;
  render(dom, node);
  const open = () => openPanel(editor, getPos, current, panel(current));
  dom.addEventListener("click", (e) => { e.preventDefault(); open(); });
  dom.jointbookOpen = open;
  return {
    dom,
    update(n) { if (n.type !== current.type) { return false; } current = n; render(dom, n); return true; },
    stopEvent: (e) => e.type === "click" || e.type === "mousedown",
    ignoreMutation: () => true,
    selectNode() { dom.classList.add("ProseMirror-selectednode"); },
    deselectNode() { dom.classList.remove("ProseMirror-selectednode"); },
  };
}

/** Typeset a formula once it comes near the screen: a long chapter opens without typesetting all of it. */
function typesetWhenVisible(dom, tex, display) {
  dom.setAttribute("aria-label", t("formula", "Formula") + ": " + tex);
  dom.setAttribute("role", "img");
  dom.jointbookTex = tex;
  if (dom.jointbookVisible) { renderMath(dom, tex, display); return; }
  if (!dom.jointbookWaiting) {
    dom.textContent = tex;
    dom.jointbookWaiting = true;
    whenVisible(dom, () => { dom.jointbookVisible = true; renderMath(dom, dom.jointbookTex, display); });
  }
}

export function mathInlineView({ node, getPos, editor }) {
  return atomView(node, getPos, editor, {
    tag: "span", cls: "math-inline",
    render: (dom, n) => typesetWhenVisible(dom, n.attrs.tex, false),
    panel: (n) => ({ label: t("formulaTex", "Formula (LaTeX)"), value: n.attrs.tex, preview: (el, v) => renderMath(el, v, false),
      apply: (v) => ({ tex: v.replace(/\n/g, " ") }) }),
  });
}

export function mathBlockView({ node, getPos, editor }) {
  return atomView(node, getPos, editor, {
    tag: "div", cls: "math-block",
    render: (dom, n) => typesetWhenVisible(dom, n.attrs.tex, true),
    panel: (n) => ({ label: t("formulaTex", "Formula (LaTeX)"), value: n.attrs.tex, multiline: true,
      preview: (el, v) => renderMath(el, v, true), apply: (v) => ({ tex: v.replace(/\n+$/, "") || " " }) }),
  });
}

export function keysView({ node, getPos, editor }) {
  return atomView(node, getPos, editor, {
    tag: "span", cls: "keys",
    render: (dom, n) => {
      dom.textContent = "";
      n.attrs.keys.split("+").forEach((k, i) => { if (i) { dom.append("+"); } dom.append(h("kbd", {}, k.replace(/^"|"$/g, ""))); });
    },
    panel: (n) => ({ label: t("keysLabel", "Keys, joined with +"), value: n.attrs.keys,
      apply: (v) => ({ keys: v.replace(/\s+/g, "").replace(/^\++|\++$/g, "") || "key" }) }),
  });
}

export function rawInlineView({ node, getPos, editor }) {
  return atomView(node, getPos, editor, {
    tag: "code", cls: "md-raw",
    render: (dom, n) => { dom.textContent = n.attrs.raw; },
    panel: (n) => ({ label: t("rawLabel", "Markdown kept as written"), value: n.attrs.raw, apply: (v) => ({ raw: v }) }),
  });
}

// ------------------------------------------------------------------ code

export function codeBlockView({ node, getPos, editor }) {
  const lang = h("input", { type: "text", class: "code-language", "aria-label": t("codeLanguage", "Language"),
    placeholder: t("codeLanguage", "Language"), list: "jointbook-code-languages" });
  const head = h("div", { class: "code-head", contenteditable: "false", "data-controls": "" }, lang);
  const code = h("code");
  const dom = viewRoot(h("div", { class: "code-block" }, head, h("pre", {}, code)));
  let current = node;
  const show = (n) => { if (document.activeElement !== lang) { lang.value = codeLanguage(n.attrs.info); } };
  show(node);
  lang.addEventListener("input", () => {
    const info = current.attrs.info || "";
    const old = codeLanguage(info);
    const v = lang.value.replace(/[^\w+#-]/g, "");
    const next = old ? info.replace(old, v) : (v + (info ? " " + info.trim() : ""));
    setAttrs(editor, getPos, current, { info: next.replace(/^\s+/, "") });
  });
  return {
    dom, contentDOM: code, ...ownControls(dom),
    update(n) { if (n.type !== current.type) { return false; } current = n; show(n); return true; },
  };
}

// ------------------------------------------------------------------ task items

export function listItemView({ node, getPos, editor }) {
  const box = h("input", { type: "checkbox", "aria-label": t("done", "Done") });
  const boxWrap = h("span", { class: "task-box", contenteditable: "false", "data-controls": "" }, box);
  const body = h("div", { class: "list-item-body" });
  const dom = viewRoot(h("li", {}, boxWrap, body));
  let current = node;
  const show = (n) => {
    const task = n.attrs.checked !== null;
    boxWrap.hidden = !task;
    dom.classList.toggle("task-item", task);
    box.checked = !!n.attrs.checked;
  };
  show(node);
  box.addEventListener("change", () => setAttrs(editor, getPos, current, { checked: box.checked }));
  return {
    dom, contentDOM: body, ...ownControls(dom),
    update(n) { if (n.type !== current.type) { return false; } current = n; show(n); return true; },
  };
}

// ------------------------------------------------------------------ images

export function imageWidth(attrs) {
  const m = /\bwidth="?(\d+)(?:px)?"?/.exec(attrs || "");
  return m ? m[1] : "";
}

export function withWidth(attrs, width) {
  let a = attrs || "";
  if (/\bwidth="?[^"\s}]*"?/.test(a)) {
    a = width ? a.replace(/\bwidth="?[^"\s}]*"?/, "width=\"" + width + "\"") : a.replace(/\s*\bwidth="?[^"\s}]*"?/, "");
  } else if (width) {
    a = a ? a.replace(/\s*\}$/, " width=\"" + width + "\" }") : "{ width=\"" + width + "\" }";
  }
  return /^\{:?\s*\}$/.test(a) || a === "" ? null : a;
}

export function figureView({ node, getPos, editor }) {
  const img = h("img", { alt: "" });
  const ids = [nextId("alt"), nextId("cap"), nextId("w")];
  const alt = h("input", { type: "text", id: ids[0], class: "figure-alt" });
  const caption = h("input", { type: "text", id: ids[1], class: "figure-caption" });
  const width = h("input", { type: "number", id: ids[2], min: "16", max: "2000", step: "1", class: "figure-width", inputmode: "numeric" });
  const fields = h("div", { class: "figure-fields", "data-controls": "" },
    h("label", { for: ids[0] }, t("imageAlt", "Describe the image (for readers who cannot see it)")), alt,
    h("label", { for: ids[1] }, t("imageCaption", "Caption")), caption,
    h("label", { for: ids[2] }, t("imageWidth", "Width (pixels, empty: as it is)")), width);
  const dom = viewRoot(h("figure", { class: "image-figure", contenteditable: "false" }, img, fields));
  let current = node;
  const show = (n) => {
    img.src = imageUrl(n.attrs.src);
    img.alt = n.attrs.alt;
    const w = imageWidth(n.attrs.attrs);
    img.style.width = w ? w + "px" : "";
    for (const [f, v] of [[alt, n.attrs.alt], [caption, n.attrs.caption || ""], [width, w]]) {
      if (document.activeElement !== f) { f.value = v; }
    }
  };
  show(node);
  alt.addEventListener("input", () => setAttrs(editor, getPos, current, { alt: alt.value.replace(/[[\]\n]/g, "") }));
  caption.addEventListener("input", () => setAttrs(editor, getPos, current, { caption: caption.value.replace(/\n/g, " ") || null }));
  width.addEventListener("input", () => setAttrs(editor, getPos, current, { attrs: withWidth(current.attrs.attrs, width.value.replace(/\D/g, "")) }));
  dom.jointbookOpen = () => alt.focus();
  return {
    dom, ...ownControls(dom),
    update(n) { if (n.type !== current.type) { return false; } current = n; show(n); return true; },
    ignoreMutation: () => true,
  };
}

export function inlineImageView({ node, getPos, editor }) {
  return atomView(node, getPos, editor, {
    tag: "span", cls: "inline-image",
    render: (dom, n) => {
      dom.textContent = "";
      const w = imageWidth(n.attrs.attrs);
      const img = h("img", { src: imageUrl(n.attrs.src), alt: n.attrs.alt });
      if (w) { img.style.width = w + "px"; }
      dom.append(img);
    },
    panel: (n) => ({ label: t("imageAlt", "Describe the image"), value: n.attrs.alt, apply: (v) => ({ alt: v.replace(/[[\]]/g, "") }) }),
  });
}

// ------------------------------------------------------------------ protected blocks

const rendered = new Map();  // source -> Promise<html>

function renderProtected(source) {
  if (!config.renderMarkdown) { return Promise.resolve(null); }
  if (!rendered.has(source)) {
    rendered.set(source, Promise.resolve().then(() => config.renderMarkdown(source)).catch(() => null));
    if (rendered.size > 500) { rendered.delete(rendered.keys().next().value); }
  }
  return rendered.get(source);
}

let observer = null;
function whenVisible(el, fn) {
  if (typeof IntersectionObserver === "undefined") { fn(); return; }
  if (!observer) {
    observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting && e.target.jointbookShow) { observer.unobserve(e.target); e.target.jointbookShow(); }
      }
    }, { rootMargin: "400px" });
  }
  el.jointbookShow = fn;
  observer.observe(el);
}

export function protectedView({ node, getPos, editor }) {
  const id = nextId("src");
  const view = h("div", { class: "md-protected-view" });
  const source = h("textarea", { id, class: "md-protected-source", spellcheck: "false", hidden: true, "aria-label": t("protectedSource", "This part as Markdown") });
  const toggle = h("button", { type: "button", class: "button secondary small", "aria-expanded": "false", "aria-controls": id }, t("editSource", "Edit as Markdown"));
  const note = h("span", { class: "md-protected-note" }, t("protectedNote", "Kept exactly as written"));
  const head = h("div", { class: "md-protected-head", "data-controls": "" }, note, toggle);
  const dom = viewRoot(h("div", { class: "md-protected", contenteditable: "false", "data-controls": "" }, head, view, source));
  let current = node;
  let shownSource = null;
  const draw = () => {
    const src = current.attrs.source;
    if (shownSource === src) { return; }
    shownSource = src;
    renderProtected(src).then((html) => {
      if (shownSource !== src) { return; }
      if (html === null) {
        view.textContent = "";
        view.append(h("pre", { class: "md-protected-plain" }, src));
      } else {
        view.innerHTML = html;  // sanitized by the platform (nh3), the site's own pipeline
        if (window.renderMathInElement) {
          try {
            window.renderMathInElement(view, { delimiters: [{ left: "\\(", right: "\\)", display: false }, { left: "\\[", right: "\\]", display: true }], throwOnError: false });
          } catch (e) { /* a formula being typed may be wrong */ }
        }
      }
    });
  };
  view.append(h("pre", { class: "md-protected-plain" }, current.attrs.source));
  whenVisible(dom, draw);
  const fit = () => { source.style.height = "auto"; source.style.height = (source.scrollHeight + 2) + "px"; };
  toggle.addEventListener("click", () => {
    const open = source.hidden;
    source.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? t("doneSource", "Done") : t("editSource", "Edit as Markdown");
    if (open) { source.value = current.attrs.source; fit(); source.focus(); } else { shownSource = null; draw(); }
  });
  source.addEventListener("input", () => {
    fit();
    setAttrs(editor, getPos, current, { source: source.value });
  });
  source.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); toggle.click(); toggle.focus(); } });
  dom.jointbookOpen = () => { if (source.hidden) { toggle.click(); } else { source.focus(); } };
  return {
    dom,
    update(n) {
      if (n.type !== current.type) { return false; }
      current = n;
      if (source.hidden) { draw(); } else if (source.value !== n.attrs.source) { source.value = n.attrs.source; }
      return true;
    },
    stopEvent: (e) => dom.contains(e.target) && e.target !== dom,
    ignoreMutation: () => true,
    selectNode() { dom.classList.add("ProseMirror-selectednode"); },
    deselectNode() { dom.classList.remove("ProseMirror-selectednode"); },
  };
}

/** Enter on a selected formula, image, key or protected block opens its editor. */
export function openSelected(editor) {
  const sel = editor.state.selection;
  if (!(sel instanceof NodeSelection)) { return false; }
  const dom = editor.view.nodeDOM(sel.from);
  if (dom && dom.jointbookOpen) { dom.jointbookOpen(); return true; }
  return false;
}
