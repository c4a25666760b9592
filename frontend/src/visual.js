// The visual mode: a Tiptap (ProseMirror) editor over the book's Markdown, written back byte for
// byte where the author changed nothing (markdown/blocks.js).

import { Editor, Extension } from "@tiptap/core";
import { EditorState, NodeSelection, Plugin, TextSelection } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";
import { Fragment, Slice } from "@tiptap/pm/model";
import { extensions } from "./schema.js";
import { BookMarkdown } from "./markdown/blocks.js";
import * as views from "./views.js";

// The run of blocks (schema.js: chunk) that holds the caret is always laid out, with data-caret
// (editor.css lets the browser skip the others while they are off screen). A block just made by
// Enter, a paste or a toolbar button is otherwise not laid out until the next frame, and a key typed
// before that frame left Chrome's caret in front of the letter: the next letters went in before it.
function caretBlockAt(state, prev) {
  const { $from, from } = state.selection;
  const start = $from.depth ? $from.before(1) : from;
  const node = state.doc.nodeAt(start);
  if (!node) { return { start: null, node: null, set: DecorationSet.empty }; }
  if (prev && prev.start === start && prev.node === node) { return prev; }
  return { start, node, set: DecorationSet.create(state.doc, [Decoration.node(start, start + node.nodeSize, { "data-caret": "" })]) };
}
const caretBlock = () => new Plugin({
  state: {
    init: (config, state) => caretBlockAt(state, null),
    apply: (tr, prev, old, state) => (tr.docChanged || tr.selectionSet ? caretBlockAt(state, prev) : prev),
  },
  props: { decorations(state) { return this.getState(state).set; } },
});

// Letters typed on the keyboard go into the document through ProseMirror, not through the browser.
// Chrome's own insertion into a long contenteditable lays the page out and re-reads the text from
// the start of the chapter to the caret, then ProseMirror reads the change back from the page: on a
// 1,500-line chapter that is about 1.3 ms of each key (benchmarks/editor.py). Input methods
// (composition: Chinese, Japanese…), autocorrect, dictation and pasting stay the browser's, and the
// input rules still see every letter (handleTextInput, as ProseMirror's own reading calls it). So
// does a key that comes before ProseMirror has read a selection just made with Shift+arrows (the
// browser's selection is the one the author sees), and all typing on Android, whose keyboards
// keep their own picture of the text around the caret.
const ANDROID = typeof navigator !== "undefined" && /Android/.test(navigator.userAgent);
function domSelectionIs(view, from, to) {
  const dom = view.root.getSelection && view.root.getSelection();
  if (!dom || !dom.anchorNode || !view.dom.contains(dom.anchorNode) || !view.dom.contains(dom.focusNode)) { return false; }
  try {
    const a = view.posAtDOM(dom.anchorNode, dom.anchorOffset), b = view.posAtDOM(dom.focusNode, dom.focusOffset);
    return Math.min(a, b) === from && Math.max(a, b) === to;
  } catch (e) { return false; }
}
const typedText = () => new Plugin({
  props: {
    handleDOMEvents: {
      beforeinput(view, event) {
        const { selection } = view.state;
        if (ANDROID || event.inputType !== "insertText" || !event.data || event.isComposing || view.composing
            || event.target !== view.dom) { return false; }
        if (!(selection instanceof TextSelection)) {
          // a picture, a formula or table cells selected: the text takes their place, as ProseMirror
          // does for a key pressed then (the browser's own insertion merged the blocks around them)
          event.preventDefault();
          view.dispatch(view.state.tr.insertText(event.data).scrollIntoView());
          return true;
        }
        if (!domSelectionIs(view, selection.from, selection.to)) { return false; }
        event.preventDefault();
        const { from, to } = selection;
        const insert = () => view.state.tr.insertText(event.data, from, to);
        if (!view.someProp("handleTextInput", (f) => f(view, from, to, event.data, insert))) {
          view.dispatch(insert().scrollIntoView());
        }
        return true;
      },
    },
  },
});

// Backspace at the start of a run's first block, or Delete at the end of its last one, reaches across
// into the next run: the two runs become one first (not an edit: nothing to undo), then the key
// does what it does anywhere else, on the blocks themselves.
function joinRuns(editor, dir) {
  const { state, view } = editor;
  const $cursor = state.selection.empty && state.selection instanceof TextSelection ? state.selection.$from : null;
  if (!$cursor || $cursor.depth < 2) { return false; }
  for (let d = $cursor.depth; d >= 1; d--) {
    const edge = dir < 0 ? (d === $cursor.depth ? $cursor.parentOffset === 0 : $cursor.index(d) === 0)
      : (d === $cursor.depth ? $cursor.parentOffset === $cursor.parent.content.size : $cursor.indexAfter(d) === $cursor.node(d).childCount);
    if (!edge) { return false; }
  }
  const run = $cursor.index(0);
  if (dir < 0 ? run === 0 : run === state.doc.childCount - 1) { return false; }
  const at = dir < 0 ? $cursor.before(1) : $cursor.after(1);
  view.dispatch(state.tr.join(at).setMeta("addToHistory", false));
  return false;
}

// Ahead of every other key binding (the lists' own Backspace among them).
const Runs = Extension.create({
  name: "jointbookRuns",
  priority: 1000,
  addKeyboardShortcuts() {
    return { Backspace: () => joinRuns(this.editor, -1), Delete: () => joinRuns(this.editor, 1) };
  },
});

const Behaviour = Extension.create({
  name: "jointbookBehaviour",
  addKeyboardShortcuts() {
    return { Enter: () => views.openSelected(this.editor) };
  },
  addProseMirrorPlugins() {
    return [caretBlock(), typedText(), new Plugin({
      // the content tab that holds the caret is the one shown; the controls of the blocks around
      // the caret (or of the selected picture, formula…) are the ones Tab reaches
      view: () => {
        let reachable = new Set();
        return {
          update: (view) => {
            const sel = view.state.selection;
            const $from = sel.$from;
            const now = new Set();
            for (let d = $from.depth; d > 0; d--) {
              const dom = view.nodeDOM($from.before(d));
              if (dom && dom.hasAttribute && dom.hasAttribute("data-view")) { now.add(dom); }
              if ($from.node(d).type.name === "tab") {
                const tabs = view.nodeDOM($from.before(d - 1));
                if (tabs && tabs.jointbookActivate) { tabs.jointbookActivate($from.index(d - 1)); }
              }
            }
            if (sel instanceof NodeSelection) {
              const dom = view.nodeDOM(sel.from);
              if (dom && dom.hasAttribute && dom.hasAttribute("data-view")) { now.add(dom); }
            }
            for (const dom of reachable) { if (!now.has(dom)) { views.setReachable(dom, false); } }
            for (const dom of now) { if (!reachable.has(dom)) { views.setReachable(dom, true); } }
            reachable = now;
          },
        };
      },
    })];
  },
});

// Runs of blocks (schema.js: chunk) of a long chapter shown in the first frame: 64 blocks, more than
// a tall screen holds.
const FIRST_RUNS = 4;

function stripOrigin(json) {
  if (json.attrs && "oid" in json.attrs) { json.attrs = { ...json.attrs }; delete json.attrs.oid; }
  (json.content || []).forEach(stripOrigin);
  return json;
}

export class VisualEditor {
  /**
   * host: the element the editor goes into; opts: {strings, label, renderMarkdown, imageUrl,
   * uploadImage(file) -> Promise<{src}>, onChange(), onSelection()}.
   */
  constructor(host, opts) {
    this.opts = opts;
    views.config.strings = opts.strings || {};
    views.config.renderMarkdown = opts.renderMarkdown || null;
    views.config.imageUrl = opts.imageUrl || ((s) => s);
    this.editor = new Editor({
      element: host,
      extensions: [...extensions(), Behaviour, Runs],
      injectCSS: false,
      editorProps: {
        attributes: { class: "visual-doc md-content", role: "textbox", "aria-multiline": "true", "aria-label": opts.label || "", spellcheck: "true" },
        handlePaste: (view, event) => this.paste(event),
        // what a spreadsheet or word processor puts around its HTML (styles, metadata) is not text
        transformPastedHTML: (html) => html.replace(/<style[\s\S]*?<\/style>|<meta[^>]*>|<link[^>]*>|<!--[\s\S]*?-->/gi, ""),
        handleDrop: (view, event) => this.drop(view, event),
      },
      onUpdate: () => { if (opts.onChange) { opts.onChange(); } },
      onSelectionUpdate: () => { if (opts.onSelection) { opts.onSelection(); } },
    });
    this.md = new BookMarkdown(this.editor.schema);
    this.loaded = null;
    this.rest = null;
  }

  /**
   * Show a chapter body: a fresh document and a fresh undo history. A long chapter's first blocks
   * are shown at once and the rest follows right after that first frame: making the page's
   * elements for all of a 1,500-line chapter took half of the time to open it (benchmarks/editor.py).
   * Whatever reads or changes the whole document first puts the rest in place (whole()).
   */
  load(text) {
    this.dropRest();
    const json = this.md.parse(text);
    const runs = json.content;
    const long = runs.length > FIRST_RUNS;
    const doc = this.editor.schema.nodeFromJSON(long ? { ...json, content: runs.slice(0, FIRST_RUNS) } : json);
    const state = EditorState.create({ doc, plugins: this.editor.state.plugins });
    this.editor.view.updateState(state);
    this.md.adopt(this.editor.state.doc);
    this.loaded = text;
    if (long) {
      this.rest = runs.slice(FIRST_RUNS);
      // once the first frame is on the screen and the page is idle (within 100 ms at most)
      this.restTask = window.requestIdleCallback ? requestIdleCallback(() => this.whole(), { timeout: 100 })
        : setTimeout(() => this.whole(), 50);
    }
    return this.rest ? new Promise((resolve) => { this.restDone = resolve; }) : Promise.resolve();
  }

  /** The whole chapter in the document: the blocks still to come of a load, put in place now. */
  whole() {
    if (!this.rest) { return; }
    const view = this.editor.view;
    const rest = Fragment.fromArray(this.rest.map((json) => this.editor.schema.nodeFromJSON(json)));
    const done = this.restDone;
    this.dropRest();
    const tr = view.state.tr.insert(view.state.doc.content.size, rest);
    view.dispatch(tr.setMeta("addToHistory", false).setMeta("preventUpdate", true));  // not an edit
    this.md.adopt(this.editor.state.doc);
    done();
  }

  dropRest() {
    if (window.requestIdleCallback) { cancelIdleCallback(this.restTask); } else { clearTimeout(this.restTask); }
    this.rest = null;
    this.restDone = null;
  }

  getMarkdown() { this.whole(); return this.md.serialise(this.editor.state.doc); }

  focus() { this.editor.commands.focus(); }

  destroy() { this.dropRest(); this.editor.destroy(); }

  // ---------------------------------------------------------------- paste and drop

  paste(event) {
    this.whole();
    const data = event.clipboardData;
    if (!data) { return false; }
    const files = [...(data.files || [])].filter((f) => /^image\//.test(f.type));
    if (files.length) {
      event.preventDefault();
      files.forEach((f) => this.uploadAndInsert(f));
      return true;
    }
    const html = data.getData("text/html");
    const text = data.getData("text/plain");
    if (!html && text && this.editor.state.selection.$from.parent.type.name !== "codeBlock") {
      // Markdown pasted as text reads as Markdown, like the source mode shows it
      const json = stripOrigin(new BookMarkdown(this.editor.schema).parse(text));
      const blocks = Fragment.fromArray(json.content.flatMap((run) => run.content).map((b) => this.editor.schema.nodeFromJSON(b)));
      const single = blocks.childCount === 1 && blocks.firstChild.type.name === "paragraph";
      const slice = single ? new Slice(blocks.firstChild.content, 0, 0) : new Slice(blocks, 1, 1);
      this.editor.view.dispatch(this.editor.state.tr.replaceSelection(slice).scrollIntoView());
      return true;
    }
    return false;
  }

  drop(view, event) {
    this.whole();
    const files = [...((event.dataTransfer && event.dataTransfer.files) || [])].filter((f) => /^image\//.test(f.type));
    if (!files.length) { return false; }
    event.preventDefault();
    const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
    if (at) { view.dispatch(view.state.tr.setSelection(TextSelection.near(view.state.doc.resolve(at.pos)))); }
    files.forEach((f) => this.uploadAndInsert(f));
    return true;
  }

  uploadAndInsert(file) {
    if (!this.opts.uploadImage) { return; }
    this.opts.uploadImage(file).then((r) => { if (r) { this.insertImage(r.src, ""); } });
  }

  /** A picture on its own, after the current block; its description field gets the focus. */
  insertImage(src, alt) {
    this.whole();
    const node = this.editor.schema.nodes.figure.create({ src, alt: alt || "" });
    const pos = this.insertBlock(node);
    // its description is the next thing typed: the field has the focus before another key comes
    const dom = pos !== null && this.editor.view.nodeDOM(pos);
    if (dom && dom.jointbookOpen) { dom.jointbookOpen(); }
  }

  // ---------------------------------------------------------------- toolbar actions

  /** Insert a block after the block that holds the caret (or in place of an empty paragraph); returns its position. */
  insertBlock(node, select) {
    const view = this.editor.view;
    const { state } = view;
    const $from = state.selection.$from;
    const tr = state.tr;
    let pos = null;
    if ($from.parent.type.name === "paragraph" && $from.parent.content.size === 0 && $from.depth >= 1) {
      const parent = $from.node($from.depth - 1);
      const index = $from.index($from.depth - 1);
      if (parent.canReplaceWith(index, index + 1, node.type)) {
        pos = $from.before();
        tr.replaceWith(pos, $from.after(), node);
      }
    }
    if (pos === null) {
      for (let d = $from.depth; d > 0; d--) {
        const parent = $from.node(d - 1);
        const index = $from.indexAfter(d - 1);
        if (parent.canReplaceWith(index, index, node.type)) {
          pos = $from.after(d);
          tr.insert(pos, node);
          break;
        }
      }
    }
    if (pos === null) { return null; }
    if (select) {
      const [a, b] = select(pos, tr.doc.nodeAt(pos));
      tr.setSelection(TextSelection.create(tr.doc, a, b));
    } else if (node.isAtom) {
      tr.setSelection(NodeSelection.create(tr.doc, pos));
    } else {
      tr.setSelection(TextSelection.near(tr.doc.resolve(pos + 1)));
    }
    view.dispatch(tr.scrollIntoView());
    view.focus();
    return pos;
  }

  /** Select a placeholder text inside a node just inserted at `pos`: typing replaces only it. */
  static placeholder(text) {
    return (pos, node) => {
      let found = null;
      node.descendants((n, p) => {
        if (found === null && n.isText && n.text.includes(text)) { found = pos + 1 + p + n.text.indexOf(text); }
        return found === null;
      });
      return found === null ? [pos + 1, pos + 1] : [found, found + text.length];
    };
  }

  insertInline(node, open = true) {
    const view = this.editor.view;
    const tr = view.state.tr.replaceSelectionWith(node, false);
    const pos = tr.selection.from - node.nodeSize;
    tr.setSelection(NodeSelection.create(tr.doc, pos));
    view.dispatch(tr.scrollIntoView());
    view.focus();
    if (open) {
      const dom = view.nodeDOM(pos);
      if (dom && dom.jointbookOpen) { dom.jointbookOpen(); }
    }
    return pos;
  }

  wrapSelectedText(type, attrs) {
    return this.editor.chain().focus().toggleMark(type, attrs).run();
  }

  action(name, arg) {
    this.whole();
    const s = this.opts.strings || {};
    const ed = this.editor;
    const nodes = ed.schema.nodes;
    const para = (text) => nodes.paragraph.create(null, text ? ed.schema.text(text) : null);
    const selected = () => { const { from, to } = ed.state.selection; return ed.state.doc.textBetween(from, to, " "); };
    switch (name) {
      case "h2": case "h3": return ed.chain().focus().toggleHeading({ level: name === "h2" ? 2 : 3 }).run();
      case "bold": return this.wrapSelectedText("bold");
      case "italic": return this.wrapSelectedText("italic");
      case "mark": return this.wrapSelectedText("highlight");
      case "sup": return this.wrapSelectedText("superscript");
      case "sub": return this.wrapSelectedText("subscript");
      case "ul": return ed.chain().focus().toggleBulletList().run();
      case "ol": return ed.chain().focus().toggleOrderedList().run();
      case "tasks": {
        if (!ed.isActive("bulletList")) { ed.chain().focus().toggleBulletList().run(); }
        const { from, to } = ed.state.selection;
        const tr = ed.state.tr;
        ed.state.doc.nodesBetween(from, to, (n, p) => {
          if (n.type.name === "listItem" && n.attrs.checked === null) { tr.setNodeMarkup(p, undefined, { ...n.attrs, checked: false }); }
        });
        ed.view.dispatch(tr);
        return true;
      }
      case "table": {
        const header = [1, 2].map((k) => nodes.tableHeader.create(null, para((s.column || "Column") + " " + k)));
        const row = () => nodes.tableRow.create(null, [1, 2].map(() => nodes.tableCell.create(null, para(""))));
        const table = nodes.table.create(null, [nodes.tableRow.create(null, header), row(), row()]);
        return this.insertBlock(table, VisualEditor.placeholder((s.column || "Column") + " 1"));
      }
      case "addRow": return ed.chain().focus().addRowAfter().run();
      case "addColumn": return ed.chain().focus().addColumnAfter().run();
      case "deleteRow": return ed.chain().focus().deleteRow().run();
      case "deleteColumn": return ed.chain().focus().deleteColumn().run();
      case "tip": case "note": case "warning": case "danger": case "example": {
        const title = s[name + "Title"] || null;
        const { from, to } = ed.state.selection;
        if (from !== to && !ed.state.selection.$from.sameParent(ed.state.selection.$to)) {
          return ed.chain().focus().wrapIn("admonition", { kind: name, title }).run();
        }
        const text = selected() || s[name] || name;
        const node = nodes.admonition.create({ kind: name, title }, para(text));
        return this.insertBlock(node, VisualEditor.placeholder(text));
      }
      case "tabs": {
        const label = s.tab || "Tab";
        const text = s.tabText || "…";
        const tabs = nodes.tabs.create(null, [1, 2].map((k) => nodes.tab.create({ title: label + " " + k, gap: "\n" }, para(text + " " + k))));
        return this.insertBlock(tabs, VisualEditor.placeholder(text + " 1"));
      }
      case "math": return this.insertInline(nodes.mathInline.create({ tex: selected() || "E = mc^2" }));
      case "mathBlock": {
        const pos = this.insertBlock(nodes.mathBlock.create({ tex: selected() || "E = mc^2" }));
        const dom = pos !== null && ed.view.nodeDOM(pos);
        if (dom && dom.jointbookOpen) { dom.jointbookOpen(); }
        return true;
      }
      case "keys": return this.insertInline(nodes.keys.create({ keys: (selected() || "ctrl+c").replace(/\s+/g, "") }));
      case "code": {
        const text = selected();
        if (!text && ed.state.selection.$from.parent.content.size) {
          return this.insertBlock(nodes.codeBlock.create({ info: "" }, ed.schema.text(s.codeText || "code")), VisualEditor.placeholder(s.codeText || "code"));
        }
        return ed.chain().focus().toggleCodeBlock().run();
      }
      case "footnote": {
        const labels = new Set();
        ed.state.doc.descendants((n) => { if (n.type.name === "footnote" || n.type.name === "footnoteRef") { labels.add(String(n.attrs.label)); } });
        let k = 1;
        while (labels.has(String(k))) { k++; }
        const label = String(k);
        const view = ed.view;
        let tr = view.state.tr.replaceSelectionWith(nodes.footnoteRef.create({ label }), false);
        const note = nodes.footnote.create({ label }, para(s.footnoteText || "…"));
        const end = tr.doc.content.size - 1;  // the end of the last run
        tr = tr.insert(end, note);
        const [a, b] = VisualEditor.placeholder(s.footnoteText || "…")(end, tr.doc.nodeAt(end));
        tr.setSelection(TextSelection.create(tr.doc, a, b));
        view.dispatch(tr.scrollIntoView());
        view.focus();
        return true;
      }
      case "deflist": {
        const term = selected() || s.term || "Term";
        const node = nodes.defList.create(null, [nodes.defTerm.create(null, ed.schema.text(term)),
          nodes.defDesc.create(null, para(s.definition || "Definition"))]);
        return this.insertBlock(node, VisualEditor.placeholder(term));
      }
      case "link": {
        // arg: {href, text}
        const { href, text } = arg;
        if (ed.state.selection.empty) {
          const node = ed.schema.text(text || href, [ed.schema.marks.link.create({ href })]);
          ed.view.dispatch(ed.state.tr.replaceSelectionWith(node, false));
          ed.view.focus();
          return true;
        }
        return ed.chain().focus().extendMarkRange("link").setLink({ href }).run();
      }
      case "image": return this.insertImage(arg.src, arg.alt);
      default: return false;
    }
  }

  /** The selected text, for dialogs that start from it (links). */
  selectedText() {
    this.whole();
    const { from, to } = this.editor.state.selection;
    return this.editor.state.doc.textBetween(from, to, " ");
  }

  /** Which toolbar buttons apply where the caret is, and which are on. */
  state() {
    const ed = this.editor;
    return {
      inTable: ed.isActive("table"),
      pressed: { bold: ed.isActive("bold"), italic: ed.isActive("italic"), mark: ed.isActive("highlight"),
        sup: ed.isActive("superscript"), sub: ed.isActive("subscript"), h2: ed.isActive("heading", { level: 2 }),
        h3: ed.isActive("heading", { level: 3 }), ul: ed.isActive("bulletList"), ol: ed.isActive("orderedList") },
    };
  }
}
