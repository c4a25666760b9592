// The source mode: CodeMirror 6 over the Markdown, with the same toolbar. A toolbar action puts
// its marks around the selection, or inserts a placeholder and selects only the placeholder, so
// the first key typed replaces the placeholder and never the marks.

import { EditorView, keymap, highlightSpecialChars } from "@codemirror/view";
import { EditorState, EditorSelection } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { parser as markdownParser, GFM } from "@lezer/markdown";
import { Language, LanguageSupport, defineLanguageFacet, syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";

// Markdown highlighting from the Lezer grammar alone: @codemirror/lang-markdown would also bundle
// the HTML, CSS and JavaScript languages for code inside the text (150 KiB more).
const markdown = () => new LanguageSupport(new Language(defineLanguageFacet({ commentTokens: { block: { open: "<!--", close: "-->" } } }),
  markdownParser.configure(GFM), [], "markdown"));

export class SourceEditor {
  /** host: the element it goes into; opts: {label, strings, onChange(), uploadImage(file) -> Promise<{src}>}. */
  constructor(host, opts) {
    this.opts = opts;
    const onChange = EditorView.updateListener.of((u) => { if (u.docChanged && opts.onChange) { opts.onChange(); } });
    const files = EditorView.domEventHandlers({
      paste: (event) => this.files(event, event.clipboardData),
      drop: (event, view) => {
        const pos = view.posAtCoords({ x: event.clientX, y: event.clientY });
        if (pos !== null && this.hasImages(event.dataTransfer)) { view.dispatch({ selection: { anchor: pos } }); }
        return this.files(event, event.dataTransfer);
      },
    });
    // The browser's own caret and selection (no drawSelection()): drawing them as layers measured
    // the caret again on every key, 4.5 ms of each key on a 1,500-line chapter (benchmarks/editor.py).
    this.extensions = [history(), highlightSpecialChars(), EditorView.lineWrapping, markdown(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }), keymap.of([...defaultKeymap, ...historyKeymap]),
      EditorView.contentAttributes.of({ "aria-label": opts.label || "", "aria-multiline": "true", spellcheck: "false" }),
      onChange, files];
    this.view = new EditorView({ parent: host, state: this.stateFor("") });
  }

  stateFor(text) {
    return EditorState.create({ doc: text, extensions: this.extensions || [] });
  }

  /** Show `text`; settled at once (both modes' load() promise the text all in place). */
  load(text) { this.view.setState(this.stateFor(text)); return Promise.resolve(); }

  getMarkdown() { return this.view.state.doc.toString(); }

  focus() { this.view.focus(); }

  destroy() { this.view.destroy(); }

  hasImages(data) { return !!data && [...(data.files || [])].some((f) => /^image\//.test(f.type)); }

  files(event, data) {
    if (!this.hasImages(data) || !this.opts.uploadImage) { return false; }
    event.preventDefault();
    [...data.files].filter((f) => /^image\//.test(f.type)).forEach((f) => {
      this.opts.uploadImage(f).then((r) => { if (r) { this.action("image", { src: r.src, alt: "" }); } });
    });
    return true;
  }

  /** Replace the selection by `make(selected)` = {text, select: [from, to] inside text}; a block goes on lines of its own. */
  apply(make, { block = false } = {}) {
    const view = this.view;
    const { state } = view;
    const range = state.selection.main;
    let from = range.from, to = range.to;
    if (block && range.empty) {
      const line = state.doc.lineAt(from);
      if (line.text.trim()) { from = to = line.to; }
    }
    const sel = state.sliceDoc(from, to);
    const out = make(sel);
    let text = out.text;
    let shift = 0;
    if (block) {
      const before = state.sliceDoc(Math.max(0, from - 2), from);
      const after = state.sliceDoc(to, to + 2);
      const lead = from === 0 || before === "\n\n" ? "" : before.endsWith("\n") ? "\n" : "\n\n";
      const restBlank = /^\s*$/.test(state.sliceDoc(to));
      const trail = to === state.doc.length ? "\n" : restBlank || after === "\n\n" ? "" : after.startsWith("\n") ? "\n" : "\n\n";
      text = lead + text + trail;
      shift = lead.length;
    }
    const [a, b] = out.select || [out.text.length, out.text.length];
    view.dispatch({
      changes: { from, to, insert: text },
      selection: EditorSelection.range(from + shift + a, from + shift + b),
      scrollIntoView: true,
      userEvent: "input",
    });
    view.focus();
    return true;
  }

  /** Marks around the selection, or around a selected placeholder. */
  wrap(open, close, placeholder) {
    return this.apply((sel) => {
      const inner = sel || placeholder;
      return { text: open + inner + close, select: [open.length, open.length + inner.length] };
    });
  }

  /** Lines given a prefix each; with nothing selected, one placeholder line with the placeholder selected. */
  lines(prefix, placeholder) {
    return this.apply((sel) => {
      if (!sel) {
        const p = prefix(0);
        return { text: p + placeholder, select: [p.length, p.length + placeholder.length] };
      }
      const text = sel.split("\n").map((l, i) => prefix(i) + l).join("\n");
      return { text, select: [prefix(0).length, text.length] };
    }, { block: true });
  }

  selectedText() {
    const r = this.view.state.selection.main;
    return this.view.state.sliceDoc(r.from, r.to);
  }

  action(name, arg) {
    const s = this.opts.strings || {};
    const indent = (text) => text.split("\n").map((l) => (l.trim() ? "    " + l : l)).join("\n");
    switch (name) {
      case "h2": case "h3": {
        const hashes = name === "h2" ? "## " : "### ";
        return this.apply((sel) => {
          const text = (sel || s.heading || "Heading").replace(/\n/g, " ");
          return { text: hashes + text, select: [hashes.length, hashes.length + text.length] };
        }, { block: true });
      }
      case "bold": return this.wrap("**", "**", s.bold || "bold text");
      case "italic": return this.wrap("*", "*", s.italic || "italic text");
      case "mark": return this.wrap("==", "==", s.marked || "marked text");
      case "sup": return this.wrap("^", "^", "2");
      case "sub": return this.wrap("~", "~", "2");
      case "keys": return this.wrap("++", "++", "ctrl+c");
      case "math": return this.wrap("$", "$", "E = mc^2");
      case "mathBlock": return this.apply((sel) => {
        const tex = sel || "E = mc^2";
        return { text: "$$\n" + tex + "\n$$", select: [3, 3 + tex.length] };
      }, { block: true });
      case "ul": return this.lines(() => "- ", s.item || "Item");
      case "tasks": return this.lines(() => "- [ ] ", s.item || "Item");
      case "ol": return this.lines((i) => (i + 1) + ". ", (s.step || "Step") + " 1");
      case "table": return this.apply(() => {
        const c = s.column || "Column", cell = s.cell || "Cell";
        const text = "| " + c + " 1 | " + c + " 2 |\n|---|---|\n| " + cell + " | " + cell + " |";
        return { text, select: [2, 2 + (c + " 1").length] };
      }, { block: true });
      case "tip": case "note": case "warning": case "danger": case "example": return this.apply((sel) => {
        const head = "!!! " + name + (s[name + "Title"] ? " \"" + s[name + "Title"] + "\"" : "") + "\n";
        const body = sel || s[name] || name;
        return { text: head + indent(body), select: sel ? [head.length, head.length + indent(body).length] : [head.length + 4, head.length + 4 + body.length] };
      }, { block: true });
      case "tabs": return this.apply((sel) => {
        const label = s.tab || "Tab", body = sel || (s.tabText || "…") + " 1";
        const first = "=== \"" + label + " 1\"\n\n";
        const text = first + indent(body) + "\n\n=== \"" + label + " 2\"\n\n    " + (s.tabText || "…") + " 2";
        return { text, select: [first.length + 4, first.length + 4 + body.length] };
      }, { block: true });
      case "code": return this.apply((sel) => {
        const body = sel || s.codeText || "code";
        return { text: "```text\n" + body + "\n```", select: [8, 8 + body.length] };
      }, { block: true });
      case "deflist": return this.apply((sel) => {
        const term = sel || s.term || "Term", def = s.definition || "Definition";
        return { text: term + "\n:   " + def, select: [0, term.length] };
      }, { block: true });
      case "footnote": {
        const doc = this.view.state.doc.toString();
        let k = 1;
        while (doc.includes("[^" + k + "]")) { k++; }
        const ref = "[^" + k + "]";
        const note = s.footnoteText || "…";
        const pos = this.view.state.selection.main.to;
        const end = doc.length;
        const lead = doc.endsWith("\n\n") ? "" : doc.endsWith("\n") ? "\n" : "\n\n";
        const def = lead + ref + ": " + note + "\n";
        const start = end + ref.length + lead.length + ref.length + 2;
        this.view.dispatch({
          changes: [{ from: pos, insert: ref }, { from: end, insert: def }],
          selection: EditorSelection.range(start, start + note.length),
          scrollIntoView: true, userEvent: "input",
        });
        this.view.focus();
        return true;
      }
      case "link": {
        const { href, text } = arg;
        return this.apply((sel) => {
          const label = sel || text || href;
          return { text: "[" + label + "](" + href + ")", select: [1, 1 + label.length] };
        });
      }
      case "image": {
        // A picture on a line of its own, after a blank line, with its description selected to be typed.
        const alt = arg.alt || s.imageAltPlaceholder || "image description";
        return this.apply(() => ({ text: "![" + alt + "](" + arg.src + ")", select: [2, 2 + alt.length] }), { block: true });
      }
      default: return false;
    }
  }

  state() { return { inTable: false, pressed: {} }; }
}
