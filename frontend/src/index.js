// The chapter editor over the form's Markdown field: a visual mode (the default) and a source
// mode with one toolbar. The textarea stays the form field: it always holds the Markdown the
// editor shows, so saving, drafts and the preview work as they do without JavaScript.

import { VisualEditor } from "./visual.js";
import { SourceEditor } from "./source.js";
import { Toolbar } from "./toolbar.js";
import { BookMarkdown } from "./markdown/blocks.js";
import { closePanels } from "./views.js";

const MODES = ["visual", "source"];

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) { continue; }
    if (k === "class") { el.className = v; } else { el.setAttribute(k, v === true ? "" : v); }
  }
  for (const c of children) { if (c !== null && c !== undefined) { el.append(c); } }
  return el;
}

/** A link's target from the chapter being edited to another chapter of the book (both under chapters/). */
export function chapterHref(from, to) {
  const a = from.split("/").slice(0, -1), b = to.split("/");
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) { i++; }
  return "../".repeat(a.length - i) + b.slice(i).join("/");
}

export class ChapterEditor {
  /**
   * opts: {textarea, toolbar, fileInput, strings, person, file, renderMarkdown(md) -> Promise<html>,
   * uploadImage(file) -> Promise<{src}>, chapters() -> Promise<[{title, filename}]>, imageUrl(src)}
   */
  constructor(opts) {
    this.opts = opts;
    this.textarea = opts.textarea;
    this.strings = opts.strings || {};
    this.storageKey = "jointbook:editor-mode" + (opts.person ? ":" + opts.person : "");
    this.editors = {};
    this.mode = null;
    this.dirty = false;
    this.timer = null;
    this.own = false;
    this.loading = Promise.resolve();  // settles when the text being loaded is all in the editor

    const s = this.strings;
    this.modeButtons = MODES.map((m) => h("button", { type: "button", class: "jb-mode", "data-mode": m, "aria-pressed": "false" },
      m === "visual" ? (s.visualMode || "Visual") : (s.sourceMode || "Markdown")));
    this.modes = h("div", { class: "jb-modes", role: "group", "aria-label": s.modeLabel || "Editing mode" }, ...this.modeButtons);
    this.modeButtons.forEach((b) => b.addEventListener("click", () => { this.setMode(b.dataset.mode, true); this.focus(); }));
    this.hosts = { visual: h("div", { class: "jb-visual" }), source: h("div", { class: "jb-source" }) };
    this.root = h("div", { class: "jb-editor" }, this.hosts.visual, this.hosts.source);
    this.textarea.after(this.root);
    (opts.toolbar || this.root).before(this.modes);
    this.textarea.hidden = true;

    this.toolbar = opts.toolbar ? new Toolbar(opts.toolbar, (name) => this.action(name)) : null;
    if (opts.fileInput) {
      opts.fileInput.addEventListener("change", () => {
        [...opts.fileInput.files].filter((f) => /^image\//.test(f.type)).forEach((f) => this.upload(f));
        opts.fileInput.value = "";
      });
    }
    this.textarea.addEventListener("input", () => { if (!this.own) { this.loading = this.current().load(this.textarea.value); } });
    if (this.textarea.form) {
      this.textarea.form.addEventListener("submit", () => this.flush(), true);
      this.textarea.form.addEventListener("formdata", () => this.flush(), true);
    }
    let mode = "visual";
    try { mode = localStorage.getItem(this.storageKey) || "visual"; } catch (e) { /* no storage: the default */ }
    this.setMode(MODES.includes(mode) ? mode : "visual", false);
  }

  editor(mode) {
    if (!this.editors[mode]) {
      const common = {
        label: this.strings.label || "",
        strings: this.strings,
        onChange: () => this.changed(),
        onSelection: () => this.refreshToolbar(),
        uploadImage: (f) => this.uploadFile(f),
      };
      this.editors[mode] = mode === "visual"
        ? new VisualEditor(this.hosts.visual, { ...common, renderMarkdown: this.opts.renderMarkdown, imageUrl: this.opts.imageUrl })
        : new SourceEditor(this.hosts.source, common);
    }
    return this.editors[mode];
  }

  current() { return this.editor(this.mode); }

  /** Show `mode` with the text as it is now; `remember` keeps the choice for this person. */
  setMode(mode, remember) {
    if (mode === this.mode) { return; }
    closePanels();
    const text = this.mode ? this.current().getMarkdown() : this.textarea.value;
    this.flushText(text);
    const next = this.editor(mode);
    if (next.getMarkdown() !== text) { this.loading = next.load(text); }
    this.mode = mode;
    for (const m of MODES) { this.hosts[m].hidden = m !== mode; }
    this.modeButtons.forEach((b) => b.setAttribute("aria-pressed", b.dataset.mode === mode ? "true" : "false"));
    this.root.dataset.mode = mode;
    if (remember) {
      try { localStorage.setItem(this.storageKey, mode); } catch (e) { /* no storage */ }
    }
    this.refreshToolbar();
  }

  changed() {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 250);
  }

  /** Put the editor's Markdown into the form field now (before a save, a mode switch, a draft). */
  flush() {
    clearTimeout(this.timer);
    if (!this.dirty || !this.mode) { return; }
    this.dirty = false;
    this.flushText(this.current().getMarkdown());
  }

  flushText(text) {
    this.dirty = false;
    if (text === this.textarea.value) { return; }
    this.textarea.value = text;
    this.own = true;
    try { this.textarea.dispatchEvent(new Event("input", { bubbles: true })); } finally { this.own = false; }
  }

  getMarkdown() { return this.current().getMarkdown(); }

  setMarkdown(text) {
    this.loading = this.current().load(text);
    this.flushText(text);
  }

  focus() { this.current().focus(); }

  /** Once a frame at most, off the keystroke: which toolbar buttons apply and which are on. */
  refreshToolbar() {
    if (!this.toolbar || this.toolbarFrame) { return; }
    this.toolbarFrame = requestAnimationFrame(() => {
      this.toolbarFrame = null;
      if (this.mode) { this.toolbar.update({ ...this.current().state(), mode: this.mode }); }
    });
  }

  // ---------------------------------------------------------------- actions

  action(name) {
    const ed = this.current();
    if (name === "image") {
      if (this.opts.fileInput) { this.opts.fileInput.click(); }
      return;
    }
    if (name === "link") { this.askLink(ed); return; }
    if (name === "chapterLink") { this.askChapter(ed); return; }
    ed.action(name);
    this.refreshToolbar();
  }

  uploadFile(file) {
    if (!this.opts.uploadImage) { return Promise.resolve(null); }
    return this.opts.uploadImage(file);
  }

  upload(file) {
    return this.uploadFile(file).then((r) => { if (r) { this.current().action("image", { src: r.src, alt: "" }); } });
  }

  /** A small modal form, outside the chapter form (forms do not nest); resolves to its values or null. */
  dialog(title, fields, extra) {
    return new Promise((resolve) => {
      const s = this.strings;
      const inputs = {};
      const rows = fields.map((f) => {
        const id = "jb-dialog-" + f.name;
        const input = f.element || h("input", { type: f.type || "text", id, name: f.name, value: f.value || "", required: f.required || null, autocomplete: "off" });
        input.id = id;
        inputs[f.name] = input;
        return h("p", { class: "field" }, h("label", { for: id }, f.label), input);
      });
      const ok = h("button", { type: "submit", class: "button", value: "ok" }, s.ok || "OK");
      const cancel = h("button", { type: "button", class: "button secondary", value: "cancel" }, s.cancel || "Cancel");
      const form = h("form", { method: "dialog" }, h("h2", {}, title), ...(extra ? [extra] : []), ...rows, h("p", { class: "jb-dialog-actions" }, ok, cancel));
      const dlg = h("dialog", { class: "jb-dialog", "aria-label": title }, form);
      document.body.append(dlg);
      let result = null;
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        result = {};
        for (const [k, el] of Object.entries(inputs)) { result[k] = el.value; }
        dlg.close();
      });
      cancel.addEventListener("click", () => dlg.close());
      dlg.addEventListener("close", () => { dlg.remove(); resolve(result); });
      dlg.showModal();
      const first = Object.values(inputs)[0];
      if (first) { first.focus(); if (first.select) { first.select(); } }
    });
  }

  askLink(ed) {
    const s = this.strings;
    const text = ed.selectedText();
    const fields = [{ name: "href", label: s.linkAddress || "Address", value: "https://", required: true }];
    if (!text) { fields.push({ name: "text", label: s.linkText || "Text shown", value: "" }); }
    this.dialog(s.linkTitle || "Link", fields).then((r) => {
      if (r && r.href && r.href !== "https://") { ed.action("link", { href: r.href.trim(), text: r.text || text }); } else { ed.focus(); }
    });
  }

  askChapter(ed) {
    const s = this.strings;
    const select = h("select", { size: "8", name: "chapter", class: "jb-chapter-list", required: true });
    const loading = this.opts.chapters ? this.opts.chapters() : Promise.resolve([]);
    loading.then((list) => {
      list.filter((c) => c.filename !== this.opts.file).forEach((c, i) => {
        const o = h("option", { value: c.filename }, c.title || c.filename);
        if (i === 0) { o.selected = true; }
        select.append(o);
      });
    });
    const text = ed.selectedText();
    this.dialog(s.chapterLinkTitle || "Link to a chapter", [{ name: "chapter", label: s.chapterPick || "Chapter", element: select }]).then((r) => {
      if (!r || !r.chapter) { ed.focus(); return; }
      const title = select.selectedOptions[0] ? select.selectedOptions[0].textContent : r.chapter;
      ed.action("link", { href: chapterHref(this.opts.file || "", r.chapter), text: text || title });
    });
  }
}

export function create(opts) { return new ChapterEditor(opts); }
export { BookMarkdown, VisualEditor, SourceEditor };
