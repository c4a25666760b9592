// The visual document: Tiptap extensions for every construct of the book's Markdown.
//
// Each node keeps, as attributes, what its Markdown needs to be written back as it was read
// (markers, spacing, raw attr_list text); see markdown/blocks.js. These attributes travel in
// data-* attributes so that copying and pasting inside the editor keeps them.

import { Extension, Mark, Node, mergeAttributes } from "@tiptap/core";
import Document from "@tiptap/extension-document";
import Paragraph from "@tiptap/extension-paragraph";
import Text from "@tiptap/extension-text";
import Heading from "@tiptap/extension-heading";
import Bold from "@tiptap/extension-bold";
import Italic from "@tiptap/extension-italic";
import Strike from "@tiptap/extension-strike";
import Code from "@tiptap/extension-code";
import CodeBlock from "@tiptap/extension-code-block";
import HardBreak from "@tiptap/extension-hard-break";
import HorizontalRule from "@tiptap/extension-horizontal-rule";
import Highlight from "@tiptap/extension-highlight";
import Link from "@tiptap/extension-link";
import { BulletList, OrderedList, ListItem, ListKeymap } from "@tiptap/extension-list";
import { Table, TableRow, TableHeader, TableCell } from "@tiptap/extension-table";
import { UndoRedo, Dropcursor, Gapcursor } from "@tiptap/extensions";
import * as views from "./views.js";

/** An attribute kept for the Markdown: not shown, carried through copy and paste as data-md-<name>. */
function md(name, def = null) {
  return {
    default: def,
    keepOnSplit: true,
    parseHTML: (el) => {
      const v = el.getAttribute("data-md-" + name);
      if (v === null) { return def; }
      try { return JSON.parse(v); } catch (e) { return def; }
    },
    renderHTML: (attrs) => (attrs[name] === def ? {} : { ["data-md-" + name]: JSON.stringify(attrs[name]) }),
  };
}
function mdAttrs(names) {
  const out = {};
  for (const [name, def] of Object.entries(names)) { out[name] = md(name, def); }
  return out;
}

const BLOCK_TYPES = ["paragraph", "heading", "codeBlock", "mathBlock", "horizontalRule", "bulletList", "orderedList",
  "listItem", "table", "admonition", "tabs", "tab", "footnote", "defList", "figure", "protected"];

/** The id of the source block a node was read from (see BookMarkdown); a split-off half is a new block. */
const Origin = Extension.create({
  name: "origin",
  addGlobalAttributes() {
    return [{ types: BLOCK_TYPES, attributes: { oid: { default: null, rendered: false, keepOnSplit: false } } }];
  },
});

const MarkdownHeading = Heading.extend({
  addAttributes() {
    return {
      ...this.parent(),
      ...mdAttrs({ open: null, close: null, underline: null }),
      anchor: { ...md("anchor"), renderHTML: (a) => (a.anchor ? { "data-md-anchor": JSON.stringify(a.anchor), "data-anchor": a.anchor.trim() } : {}) },
    };
  },
});

const delim = { delim: md("delim") };
const MarkdownBold = Bold.extend({ addAttributes: () => delim });
const MarkdownItalic = Italic.extend({ addAttributes: () => delim });
const Deleted = Strike.extend({
  parseHTML: () => [{ tag: "del" }, { tag: "s" }, { tag: "strike" }],
  renderHTML: ({ HTMLAttributes }) => ["del", HTMLAttributes, 0],
  addKeyboardShortcuts: () => ({}),
});
const Marked = Highlight.extend({ addAttributes: () => ({}) });
const InlineCode = Code.extend({ excludes: "code", addAttributes: () => ({ ticks: md("ticks") }) });
const Inserted = Mark.create({
  name: "insert",
  parseHTML: () => [{ tag: "ins" }, { tag: "u" }],
  renderHTML: ({ HTMLAttributes }) => ["ins", HTMLAttributes, 0],
});
const Superscript = Mark.create({
  name: "superscript",
  excludes: "subscript",
  parseHTML: () => [{ tag: "sup" }],
  renderHTML: ({ HTMLAttributes }) => ["sup", HTMLAttributes, 0],
  addKeyboardShortcuts() { return { "Mod-.": () => this.editor.commands.toggleMark(this.name) }; },
});
const Subscript = Mark.create({
  name: "subscript",
  excludes: "superscript",
  parseHTML: () => [{ tag: "sub" }],
  renderHTML: ({ HTMLAttributes }) => ["sub", HTMLAttributes, 0],
  addKeyboardShortcuts() { return { "Mod-,": () => this.editor.commands.toggleMark(this.name) }; },
});
const MarkdownLink = Link.extend({
  inclusive: false,
  addAttributes() {
    return {
      href: { default: null, parseHTML: (el) => el.getAttribute("href") },
      title: { default: null, parseHTML: (el) => el.getAttribute("title") },
      attrs: md("attrs"),
    };
  },
  renderHTML({ HTMLAttributes }) { return ["a", mergeAttributes(HTMLAttributes, { rel: "noopener" }), 0]; },
}).configure({ openOnClick: false, autolink: false, linkOnPaste: true, defaultProtocol: "https" });

const MarkdownHardBreak = HardBreak.extend({ addAttributes: () => ({ raw: md("raw") }) });
const SoftBreak = Node.create({
  name: "softBreak",
  inline: true,
  group: "inline",
  selectable: false,
  addAttributes: () => ({ raw: md("raw") }),
  parseHTML: () => [{ tag: "br.soft-break" }],
  renderHTML: ({ HTMLAttributes }) => ["br", mergeAttributes(HTMLAttributes, { class: "soft-break" })],
  renderText: () => "\n",
});

const MarkdownRule = HorizontalRule.extend({ addAttributes: () => ({ raw: md("raw") }) });

const MarkdownCodeBlock = CodeBlock.extend({
  addAttributes() {
    return {
      fence: md("fence"),
      info: {
        ...md("info", ""),
        parseHTML: (el) => {
          const v = el.getAttribute("data-md-info");
          if (v !== null) { return JSON.parse(v); }
          const code = el.querySelector("code");
          const m = code && /(?:^|\s)language-([\w+-]+)/.exec(code.className);
          return m ? m[1] : "";
        },
      },
      close: md("close"),
      empty: md("empty", false),
    };
  },
  renderHTML({ node, HTMLAttributes }) {
    const lang = views.codeLanguage(node.attrs.info);
    return ["pre", HTMLAttributes, ["code", lang ? { class: "language-" + lang } : {}, 0]];
  },
  addNodeView() { return views.codeBlockView; },
}).configure({ enableTabIndentation: false });

const MarkdownBulletList = BulletList.extend({
  addAttributes: () => mdAttrs({ tight: true, bullet: null }),
});
const MarkdownOrderedList = OrderedList.extend({
  addAttributes() {
    return { ...this.parent(), ...mdAttrs({ tight: true, numbering: "seq" }) };
  },
});
const MarkdownListItem = ListItem.extend({
  addAttributes: () => ({
    ...mdAttrs({ lead: null, marker: null, pad: null, indent: null }),
    checked: {
      ...md("checked"),
      parseHTML: (el) => {
        const v = el.getAttribute("data-md-checked");
        if (v !== null) { return JSON.parse(v); }
        const box = el.querySelector(":scope > input[type=checkbox], :scope > label > input[type=checkbox]");
        return box ? box.checked : null;
      },
    },
  }),
  addNodeView() { return views.listItemView; },
});

const MarkdownTable = Table.extend({
  addAttributes: () => mdAttrs({ lead: null, trail: null, rule: null }),
  // no style attribute: the platform's pages allow no inline style
  renderHTML: ({ HTMLAttributes }) => ["table", HTMLAttributes, ["tbody", 0]],
}).configure({ resizable: false, View: null });
const cellAttrs = function () {
  return {
    ...this.parent(),
    align: { default: null, parseHTML: (el) => el.getAttribute("data-align") || el.style.textAlign || null,
      renderHTML: (a) => (a.align ? { "data-align": a.align } : {}) },
    ...mdAttrs({ lpad: null, rpad: null }),
  };
};
const MarkdownTableCell = TableCell.extend({ content: "paragraph", addAttributes: cellAttrs });
const MarkdownTableHeader = TableHeader.extend({ content: "paragraph", addAttributes: cellAttrs });

const Admonition = Node.create({
  name: "admonition",
  group: "block",
  content: "block+",
  defining: true,
  addAttributes: () => mdAttrs({ marker: "!!!", kind: "note", title: null, gap: "" }),
  parseHTML: () => [{ tag: "div.admonition", contentElement: ".admonition-body" }],
  renderHTML: ({ node, HTMLAttributes }) => ["div", mergeAttributes(HTMLAttributes, { class: "admonition " + node.attrs.kind }),
    ["p", { class: "admonition-title" }, node.attrs.title === null ? node.attrs.kind : node.attrs.title], ["div", { class: "admonition-body" }, 0]],
  addNodeView() { return views.admonitionView; },
});

const Tabs = Node.create({
  name: "tabs",
  group: "block",
  content: "tab+",
  defining: true,
  parseHTML: () => [{ tag: "div.md-tabs" }],
  renderHTML: ({ HTMLAttributes }) => ["div", mergeAttributes(HTMLAttributes, { class: "md-tabs" }), 0],
  addNodeView() { return views.tabsView; },
});
const Tab = Node.create({
  name: "tab",
  content: "block+",
  defining: true,
  addAttributes: () => mdAttrs({ marker: "===", title: "", gap: null }),
  parseHTML: () => [{ tag: "section.md-tab", contentElement: ".md-tab-body" }],
  renderHTML: ({ node, HTMLAttributes }) => ["section", mergeAttributes(HTMLAttributes, { class: "md-tab" }),
    ["h4", {}, node.attrs.title], ["div", { class: "md-tab-body" }, 0]],
  addNodeView() { return views.tabView; },
});

const MathBlock = Node.create({
  name: "mathBlock",
  group: "block",
  atom: true,
  addAttributes: () => mdAttrs({ tex: "", form: null }),
  parseHTML: () => [{ tag: "div.math-block" }],
  renderHTML: ({ node, HTMLAttributes }) => ["div", mergeAttributes(HTMLAttributes, { class: "math-block" }), "$$" + node.attrs.tex + "$$"],
  addNodeView() { return views.mathBlockView; },
});
const MathInline = Node.create({
  name: "mathInline",
  group: "inline",
  inline: true,
  atom: true,
  addAttributes: () => mdAttrs({ tex: "", delim: null }),
  parseHTML: () => [{ tag: "span.math-inline" }],
  renderHTML: ({ node, HTMLAttributes }) => ["span", mergeAttributes(HTMLAttributes, { class: "math-inline" }), "$" + node.attrs.tex + "$"],
  renderText: ({ node }) => "$" + node.attrs.tex + "$",
  addNodeView() { return views.mathInlineView; },
});

const Keys = Node.create({
  name: "keys",
  group: "inline",
  inline: true,
  atom: true,
  addAttributes: () => mdAttrs({ keys: "" }),
  parseHTML: () => [{ tag: "span.keys[data-md-keys]" }],
  renderHTML: ({ node, HTMLAttributes }) => ["span", mergeAttributes(HTMLAttributes, { class: "keys" }),
    ...views.keyParts(node.attrs.keys)],
  renderText: ({ node }) => node.attrs.keys,
  addNodeView() { return views.keysView; },
});

const FootnoteRef = Node.create({
  name: "footnoteRef",
  group: "inline",
  inline: true,
  atom: true,
  addAttributes: () => mdAttrs({ label: "1" }),
  parseHTML: () => [{ tag: "sup.footnote-ref[data-md-label]" }],
  renderHTML: ({ node, HTMLAttributes }) => ["sup", mergeAttributes(HTMLAttributes, { class: "footnote-ref" }), node.attrs.label],
  renderText: ({ node }) => "[^" + node.attrs.label + "]",
});
const Footnote = Node.create({
  name: "footnote",
  group: "block",
  content: "block+",
  defining: true,
  addAttributes: () => mdAttrs({ label: "1", pad: " " }),
  parseHTML: () => [{ tag: "div.footnote-def", contentElement: ".footnote-body" }],
  renderHTML: ({ node, HTMLAttributes }) => ["div", mergeAttributes(HTMLAttributes, { class: "footnote-def" }),
    ["span", { class: "footnote-label", contenteditable: "false" }, node.attrs.label], ["div", { class: "footnote-body" }, 0]],
});

const DefList = Node.create({
  name: "defList",
  group: "block",
  content: "defTerm+ defDesc+",
  parseHTML: () => [{ tag: "dl" }],
  renderHTML: ({ HTMLAttributes }) => ["dl", HTMLAttributes, 0],
});
const DefTerm = Node.create({
  name: "defTerm",
  content: "inline*",
  defining: true,
  parseHTML: () => [{ tag: "dt" }],
  renderHTML: ({ HTMLAttributes }) => ["dt", HTMLAttributes, 0],
});
const DefDesc = Node.create({
  name: "defDesc",
  content: "block+",
  defining: true,
  addAttributes: () => mdAttrs({ lead: null, pad: null }),
  parseHTML: () => [{ tag: "dd" }],
  renderHTML: ({ HTMLAttributes }) => ["dd", HTMLAttributes, 0],
});

const imageAttrs = () => ({
  src: { default: "", parseHTML: (el) => el.getAttribute("data-md-src") ? JSON.parse(el.getAttribute("data-md-src")) : (el.querySelector("img") || el).getAttribute("src") || "" ,
    renderHTML: (a) => ({ "data-md-src": JSON.stringify(a.src) }) },
  alt: { default: "", parseHTML: (el) => (el.querySelector("img") || el).getAttribute("alt") || "", renderHTML: () => ({}) },
  title: md("title"),
  attrs: md("attrs"),
});
const Figure = Node.create({
  name: "figure",
  group: "block",
  atom: true,
  draggable: true,
  addAttributes: () => ({ ...imageAttrs(), ...mdAttrs({ caption: null, html: null, indent: null }) }),
  parseHTML: () => [{ tag: "figure.image-figure" }, { tag: "p.image-figure" }],
  renderHTML: ({ node, HTMLAttributes }) => ["figure", mergeAttributes(HTMLAttributes, { class: "image-figure" }),
    ["img", { src: views.imageUrl(node.attrs.src), alt: node.attrs.alt }], ["figcaption", {}, node.attrs.caption || ""]],
  addNodeView() { return views.figureView; },
});
const Image = Node.create({
  name: "image",
  group: "inline",
  inline: true,
  atom: true,
  draggable: true,
  addAttributes: imageAttrs,
  parseHTML: () => [{ tag: "img[src]" }],
  renderHTML: ({ node, HTMLAttributes }) => ["img", mergeAttributes(HTMLAttributes, { src: views.imageUrl(node.attrs.src), alt: node.attrs.alt })],
  addNodeView() { return views.inlineImageView; },
});

const Escape = Node.create({
  name: "escape",
  group: "inline",
  inline: true,
  atom: true,
  selectable: false,
  addAttributes: () => mdAttrs({ char: "" }),
  parseHTML: () => [{ tag: "span.md-escape" }],
  renderHTML: ({ node, HTMLAttributes }) => ["span", mergeAttributes(HTMLAttributes, { class: "md-escape" }), node.attrs.char],
  renderText: ({ node }) => node.attrs.char,
});
const RawInline = Node.create({
  name: "rawInline",
  group: "inline",
  inline: true,
  atom: true,
  addAttributes: () => mdAttrs({ raw: "" }),
  parseHTML: () => [{ tag: "code.md-raw" }],
  renderHTML: ({ node, HTMLAttributes }) => ["code", mergeAttributes(HTMLAttributes, { class: "md-raw" }), node.attrs.raw],
  renderText: ({ node }) => node.attrs.raw,
  addNodeView() { return views.rawInlineView; },
});

const Protected = Node.create({
  name: "protected",
  group: "block",
  atom: true,
  addAttributes: () => mdAttrs({ source: "" }),
  parseHTML: () => [{ tag: "div.md-protected" }],
  renderHTML: ({ node, HTMLAttributes }) => ["div", mergeAttributes(HTMLAttributes, { class: "md-protected" }), ["pre", {}, node.attrs.source]],
  addNodeView() { return views.protectedView; },
});

/**
 * A run of the chapter's blocks (markdown/blocks.js groups them, RUN_BLOCKS to a run). It has no Markdown of
 * its own (markdown/blocks.js reads through it) and nothing on the screen: it is there for Chrome.
 * Each top-level element of a long contenteditable costs on every key, however far off screen
 * (hit testing, the skipped-content bookkeeping of content-visibility, compositing), so a
 * 1,500-line chapter typed p95 about 21 ms as 390 blocks and 14 ms as 25 runs of them (a bare contenteditable, measured
 * side by side on the same page). The browser skips a run off screen whole.
 */
export const Chunk = Node.create({
  name: "chunk",
  content: "block+",
  parseHTML: () => [{ tag: "div.jb-chunk" }],
  renderHTML: () => ["div", { class: "jb-chunk" }, 0],
});

const ChunkedDocument = Document.extend({ content: "chunk+" });

/** Everything the visual editor is made of. */
export function extensions() {
  return [
    ChunkedDocument, Chunk, Paragraph, Text, Origin,
    MarkdownHeading.configure({ levels: [1, 2, 3, 4, 5, 6] }),
    MarkdownLink, MarkdownBold, MarkdownItalic, Deleted, Marked, Inserted, Superscript, Subscript, InlineCode,
    MarkdownHardBreak, SoftBreak, MarkdownRule, MarkdownCodeBlock,
    MarkdownBulletList, MarkdownOrderedList, MarkdownListItem, ListKeymap,
    MarkdownTable, TableRow, MarkdownTableHeader, MarkdownTableCell,
    Admonition, Tabs, Tab, MathBlock, MathInline, Keys, FootnoteRef, Footnote, DefList, DefTerm, DefDesc,
    Figure, Image, Escape, RawInline, Protected,
    UndoRedo, Dropcursor, Gapcursor,
  ];
}
