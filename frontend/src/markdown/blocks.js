// The book's Markdown as blocks that keep their exact source, and back.
//
// Hand-written because the guarantee the editor makes (opening, switching modes and saving an
// unchanged chapter changes no byte) needs every block's exact source span in Python-Markdown's
// dialect: four-space indented admonitions, content tabs, definition lists, footnotes, arithmatex
// math, attr_list. CommonMark parsers (markdown-it, micromark) split such text differently and do
// not give spans for these constructs.
//
// How the guarantee is kept:
//   * the text is split into blocks with exact line spans; the blank lines between two blocks
//     are kept as they were ("sep");
//   * each block becomes a visual node only if writing that node back gives exactly its source;
//     otherwise it becomes a protected block that holds its source verbatim;
//   * every block node carries an id ("oid") of the block it was read from; when writing, a node
//     equal to the one that was read writes its original source, and two neighbours that were
//     neighbours in the source keep the blank lines that were between them. Only nodes the author
//     changed are written afresh, in the book's conventions.

import { Fragment } from "@tiptap/pm/model";
import { parseInline, serialiseInline, imageMarkdown, readerView } from "./inline.js";

const BLANK = /^[ \t]*$/;
const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const ATX = /^(#{1,6}[ \t]*)(.*?)((?:[ \t]*\{:?[^}\n]*\})?)([ \t]*#*[ \t]*)$/;
const SETEXT = /^(?:=+|-+)[ \t]*$/;
const HR = /^ {0,3}(?:(?:-[ ]{0,2}){3,}|(?:_[ ]{0,2}){3,}|(?:\*[ ]{0,2}){3,})[ ]*$/;
const ADMONITION = /^(!!!|\?\?\?\+?) ?([\w-]+(?: +[\w-]+)*?)?(?: +"(.*)")? *$/;
const TAB = /^(===!?\+?) +"(.*)" *$/;
const FOOTNOTE = /^ {0,3}\[\^([^\]]+)\]:([ \t]*)(.*)$/;
const BULLET = /^( {0,3})([-*+])( +)(.*)$/;
const ORDERED = /^( {0,3})(\d+\.)( +)(.*)$/;
const TASK = /^\[([ xX])\] /;
const DEF = /^( {0,3}):( {1,3})(.*)$/;
const HTML = /^<(?:!--|\/?([A-Za-z][\w-]*)(?=[\s>/]|$))/;
const QUOTE = /^ {0,3}>/;
const REFDEF = /^ {0,3}\[[^\]^][^\]]*\]:/;
const INDENTED = /^(?: {4}|\t)/;
const RULE = /^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)*[ \t]*:?-+:?[ \t]*\|?[ \t]*$/;
const MATH_LINE = /^\$\$(.+)\$\$[ \t]*$/;
const FIGURE = /^(<figure(?: markdown(?:="[^"]*")?)?>)\n( +)(!\[.*)\n\2<figcaption>(.*)<\/figcaption>\n<\/figure>$/;
const BLOCK_TAGS = new Set(("address article aside audio blockquote body canvas center colgroup dd details dialog div dl dt " +
  "fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe legend li " +
  "main map math menu nav noscript object ol output p pre progress script section style summary table tbody td " +
  "textarea tfoot th thead title tr ul video").split(" "));
const VOID_TAGS = new Set(["hr", "col", "frame"]);

const blank = (l) => BLANK.test(l);
const hasBlankLine = (sep) => /\n[ \t]*\n/.test(sep);
const LIST_TYPES = new Set(["bulletList", "orderedList"]);

function listKind(line) {
  if (HR.test(line)) { return null; }
  if (BULLET.test(line)) { return "bullet"; }
  if (ORDERED.test(line)) { return "ordered"; }
  return null;
}

function interrupts(line, ctx) {
  return blank(line) || /^#{1,6}/.test(line) || FENCE.test(line) || ADMONITION.test(line) && isAdmonition(line) ||
    TAB.test(line) || FOOTNOTE.test(line) || (HR.test(line) && !/^ {0,3}-/.test(line)) ||
    (ctx.inItem && listKind(line) !== null);
}

function isAdmonition(line) {
  const m = ADMONITION.exec(line);
  return !!m && (m[2] !== undefined || (m[1] !== "!!!" && m[3] !== undefined));
}

/** The end (exclusive) of the indented lines that follow `from`, trailing blank lines excluded. */
function indentedEnd(lines, from) {
  let last = from;
  for (let j = from; j < lines.length; j++) {
    if (blank(lines[j])) { continue; }
    if (INDENTED.test(lines[j])) { last = j + 1; continue; }
    break;
  }
  return last;
}

function dedent(lines, prefix) {
  return lines.map((l) => (blank(l) || !l.startsWith(prefix) ? l : l.slice(prefix.length)));
}

function indentText(text, prefix) {
  return text.split("\n").map((l) => (blank(l) ? l : prefix + l)).join("\n");
}

/** Split lines into blocks: [{kind, start, end, ...}] with exact line spans. */
export function splitBlocks(lines, ctx = {}) {
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    if (blank(lines[i])) { i++; continue; }
    const b = readBlock(lines, i, ctx);
    blocks.push(b);
    i = b.end;
  }
  return blocks;
}

function chunkEnd(lines, i, ctx) {
  let j = i + 1;
  while (j < lines.length && !interrupts(lines[j], ctx)) { j++; }
  return j;
}

function readBlock(lines, i, ctx) {
  const n = lines.length;
  const line = lines[i];
  let m;
  if ((m = FENCE.exec(line))) {
    const ch = m[2][0], len = m[2].length;
    const close = new RegExp("^ {0,3}\\" + ch + "{" + len + ",}[ \\t]*$");
    for (let j = i + 1; j < n; j++) {
      if (close.test(lines[j])) { return { kind: "code", start: i, end: j + 1 }; }
    }
    return { kind: "protected", start: i, end: n };
  }
  if (line.startsWith("$$")) {
    if (MATH_LINE.test(line)) { return { kind: "math", start: i, end: i + 1 }; }
    for (let j = i + 1; j < n && !blank(lines[j]); j++) {
      if (/\$\$[ \t]*$/.test(lines[j])) {
        if (j + 1 === n || blank(lines[j + 1])) { return { kind: "math", start: i, end: j + 1 }; }
        break;
      }
    }
  }
  if ((m = /^\\begin\{([A-Za-z]+\*?)\}/.exec(line)) || line.startsWith("\\[")) {
    const end = m ? "\\end{" + m[1] + "}" : "\\]";
    for (let j = i; j < n && (j === i || !blank(lines[j])); j++) {
      if (lines[j].trimEnd().endsWith(end) && (j > i || lines[j].trim().length > end.length + 2)) {
        if (j + 1 === n || blank(lines[j + 1])) { return { kind: "math", start: i, end: j + 1 }; }
        break;
      }
    }
  }
  if (/^#{1,6}/.test(line)) { return { kind: "heading", start: i, end: i + 1 }; }
  if (HR.test(line)) { return { kind: "hr", start: i, end: i + 1 }; }
  if (isAdmonition(line)) { return { kind: "admonition", start: i, end: indentedEnd(lines, i + 1) }; }
  if (TAB.test(line)) {
    const tabs = [];
    let s = i;
    for (;;) {
      const e = indentedEnd(lines, s + 1);
      tabs.push({ start: s, end: e });
      let k = e;
      while (k < n && blank(lines[k])) { k++; }
      if (k < n && TAB.test(lines[k]) && !lines[k].startsWith("===!")) { s = k; continue; }
      return { kind: "tabs", start: i, end: e, tabs };
    }
  }
  if (FOOTNOTE.test(line)) { return { kind: "footnote", start: i, end: indentedEnd(lines, i + 1) }; }
  if (listKind(line)) { return readList(lines, i); }
  if ((m = HTML.exec(line)) && (line.startsWith("<!--") || BLOCK_TAGS.has(m[1].toLowerCase()))) {
    return readHtml(lines, i, line.startsWith("<!--") ? null : m[1].toLowerCase(), ctx);
  }
  if (QUOTE.test(line) || REFDEF.test(line)) {
    let j = i + 1;
    while (j < n && !blank(lines[j])) { j++; }
    return { kind: "protected", start: i, end: j };
  }
  if (INDENTED.test(line)) {
    let j = i + 1, last = i + 1;
    for (; j < n; j++) {
      if (blank(lines[j])) { continue; }
      if (INDENTED.test(lines[j])) { last = j + 1; continue; }
      break;
    }
    return { kind: "protected", start: i, end: last };
  }
  const end = chunkEnd(lines, i, ctx);
  if (end - i >= 2 && line.includes("|") && lines[i + 1].includes("|") && RULE.test(lines[i + 1])) {
    return { kind: "table", start: i, end };
  }
  for (let k = i + 1; k < end; k++) {
    if (DEF.test(lines[k])) { return readDefList(lines, i, k); }
  }
  for (let k = i; k < end; k++) {
    if (k + 1 < n && SETEXT.test(lines[k + 1]) && !blank(lines[k])) {
      if (k === i) { return { kind: "heading", start: i, end: i + 2, setext: true }; }
      return { kind: "paragraph", start: i, end: k };
    }
  }
  return { kind: "paragraph", start: i, end };
}

function readList(lines, i) {
  const n = lines.length;
  const items = [];
  let j = i;
  let tight = true;
  for (;;) {
    const start = j;
    j++;
    while (j < n) {
      const l = lines[j];
      if (blank(l)) {
        let k = j;
        while (k < n && blank(lines[k])) { k++; }
        if (k < n && INDENTED.test(lines[k])) { tight = false; j = k + 1; continue; }
        break;
      }
      if (!INDENTED.test(l) && listKind(l)) { break; }
      j++;
    }
    items.push({ start, end: j });
    if (j < n && !blank(lines[j]) && listKind(lines[j])) { continue; }
    if (j < n && blank(lines[j])) {
      let k = j;
      while (k < n && blank(lines[k])) { k++; }
      if (k < n && listKind(lines[k])) { tight = false; j = k; continue; }
    }
    break;
  }
  return { kind: "list", start: i, end: items[items.length - 1].end, items, tight, ordered: listKind(lines[i]) === "ordered" };
}

function readDefList(lines, i, k) {
  const n = lines.length;
  let j = k;
  for (;;) {
    j++;
    let last = j;
    for (; j < n; j++) {
      if (blank(lines[j])) { continue; }
      if (INDENTED.test(lines[j])) { last = j + 1; continue; }
      break;
    }
    j = last;
    if (j < n && DEF.test(lines[j])) { continue; }
    return { kind: "deflist", start: i, end: j, terms: k - i };
  }
}

function readHtml(lines, i, tag, ctx) {
  const n = lines.length;
  let end = -1;
  if (tag === null) {
    for (let j = i; j < n; j++) { if (lines[j].includes("-->")) { end = j + 1; break; } }
  } else if (VOID_TAGS.has(tag)) {
    end = i + 1;
  } else {
    const open = new RegExp("<" + tag + "(?=[\\s>/])[^>]*?(/?)>", "gi");
    const close = new RegExp("</" + tag + "\\s*>", "gi");
    let depth = 0;
    for (let j = i; j < n; j++) {
      for (const mm of lines[j].matchAll(open)) { if (!mm[1]) { depth++; } }
      depth -= (lines[j].match(close) || []).length;
      if (depth <= 0) { end = j + 1; break; }
    }
  }
  if (end < 0) { end = chunkEnd(lines, i, ctx); }
  return { kind: tag === "figure" ? "figure" : "protected", start: i, end };
}

// ------------------------------------------------------------------ the model

/** Blocks to a run of the visual document (schema.js: chunk; it has no Markdown of its own). */
export const RUN_BLOCKS = 16;

function inRuns(blocks) {
  const runs = [];
  for (let i = 0; i < blocks.length; i += RUN_BLOCKS) { runs.push({ type: "chunk", content: blocks.slice(i, i + RUN_BLOCKS) }); }
  return runs;
}

export class BookMarkdown {
  /** `schema`: the editor's ProseMirror schema. */
  constructor(schema) {
    this.schema = schema;
    this.origin = new Map();   // oid -> {src, sep, next, node}
    this.fresh = new WeakMap(); // node -> Markdown written afresh (nodes are immutable)
    this.lastId = 0;
    this.lead = "";
    this.trail = "";
  }

  /** Read a chapter body: the ProseMirror JSON of its visual document. */
  parse(text) {
    this.origin = new Map();
    this.fresh = new WeakMap();
    const lines = text.split("\n");
    const blocks = splitBlocks(lines, {});
    this.blank = !blocks.length;
    if (this.blank) {  // only blank lines: kept while the author writes nothing, replaced by what they write
      this.lead = "";
      this.trail = text;
      return { type: "doc", content: [{ type: "chunk", content: [{ type: "paragraph" }] }] };
    }
    const first = blocks[0].start, last = blocks[blocks.length - 1].end;
    this.lead = first > 0 ? lines.slice(0, first).join("\n") + "\n" : "";
    this.trail = last < lines.length ? "\n" + lines.slice(last).join("\n") : "";
    return { type: "doc", content: inRuns(this.sequence(lines, blocks, {})) };
  }

  /** After the editor made its document from the JSON: remember its nodes, so that an unchanged block is found by identity. */
  adopt(doc) {
    doc.descendants((node) => {
      const entry = node.attrs.oid != null && this.origin.get(node.attrs.oid);
      if (entry && entry.node !== node && entry.node.eq(node)) { entry.node = node; }
      return !node.isTextblock;
    });
  }

  /** The chapter body for a visual document. */
  serialise(doc) {
    const body = this.children(doc, {});
    if (this.blank) { return body === "" ? this.trail : body + "\n"; }
    return this.lead + body + this.trail;
  }

  // ---------------------------------------------------------------- reading

  sequence(lines, blocks, ctx) {
    // a list item's first block is its text (ProseMirror: paragraph first), never a figure
    const out = blocks.map((b, k) => this.block(lines, b, k === 0 && ctx.inItem ? { ...ctx, first: true } : ctx));
    blocks.forEach((b, k) => {
      const entry = this.origin.get(out[k].attrs.oid);
      const next = blocks[k + 1];
      entry.next = next ? out[k + 1].attrs.oid : null;
      entry.sep = next ? "\n" + lines.slice(b.end, next.start).map((l) => l + "\n").join("") : "";
    });
    return out;
  }

  /** One block as JSON: a visual node if it writes back exactly, otherwise a protected block. */
  block(lines, b, ctx) {
    const src = lines.slice(b.start, b.end).join("\n");
    const oid = ++this.lastId;
    let json = null;
    let node = null;
    try {
      json = b.kind === "protected" ? null : this.read(lines, b, src, ctx);
      if (json) {
        json.attrs = { ...(json.attrs || {}), oid };
        node = this.schema.nodeFromJSON(json);
        node.check();
        if (this.write(node, { ...ctx, source: src }) !== src) { node = null; }
      }
    } catch (e) {
      node = null;
    }
    if (!node) {
      json = { type: "protected", attrs: { oid, source: src } };
      node = this.schema.nodeFromJSON(json);
    }
    this.origin.set(oid, { src, sep: "", next: null, node });
    return json;
  }

  read(lines, b, src, ctx) {
    const own = lines.slice(b.start, b.end);
    switch (b.kind) {
      case "paragraph": {
        const content = parseInline(src);
        // a picture alone in its paragraph is a figure: a block with its description, caption and width
        if (!ctx.first && content.length === 1 && content[0].type === "image" && !content[0].marks) {
          return { type: "figure", attrs: { ...content[0].attrs, caption: null, html: null, indent: null } };
        }
        return { type: "paragraph", content };
      }
      case "heading": return this.readHeading(own, b);
      case "hr": return { type: "horizontalRule", attrs: { raw: src } };
      case "code": return this.readCode(own);
      case "math": return this.readMath(own);
      case "admonition": return this.readAdmonition(own);
      case "tabs": return this.readTabs(lines, b);
      case "footnote": return this.readFootnote(own);
      case "list": return this.readList(lines, b);
      case "table": return this.readTable(own);
      case "deflist": return this.readDefList(own, b);
      case "figure": return this.readFigure(src);
      default: return null;
    }
  }

  readHeading(own, b) {
    if (b.setext) {
      const level = own[1][0] === "=" ? 1 : 2;
      return { type: "heading", attrs: { level, underline: own[1] }, content: parseInline(own[0]) };
    }
    const m = ATX.exec(own[0]);
    const level = m[1].replace(/[ \t]/g, "").length;
    return { type: "heading", attrs: { level, open: m[1], anchor: m[3] || null, close: m[4] || null }, content: parseInline(m[2]) };
  }

  readCode(own) {
    const m = FENCE.exec(own[0]);
    if (m[1]) { return null; }
    const text = own.slice(1, -1).join("\n");
    return { type: "codeBlock", attrs: { fence: m[2], info: m[3], close: own[own.length - 1], empty: own.length === 2 },
      content: text ? [{ type: "text", text }] : [] };
  }

  readMath(own) {
    if (own[0].startsWith("\\begin")) { return { type: "mathBlock", attrs: { tex: own.join("\n"), form: "env" } }; }
    if (own[0].startsWith("\\[")) {
      if (own[0] !== "\\[" || own[own.length - 1] !== "\\]") { return null; }
      return { type: "mathBlock", attrs: { tex: own.slice(1, -1).join("\n"), form: "square" } };
    }
    if (own.length === 1) { return { type: "mathBlock", attrs: { tex: MATH_LINE.exec(own[0])[1], form: "line" } }; }
    if (own[0] !== "$$" || own[own.length - 1] !== "$$") { return null; }
    return { type: "mathBlock", attrs: { tex: own.slice(1, -1).join("\n"), form: null } };
  }

  /** The children of a four-space indented body, and the blank lines between its header and its first block. */
  body(contentLines, ctx) {
    const blocks = splitBlocks(contentLines, ctx);
    if (!blocks.length) { return null; }
    const gap = contentLines.slice(0, blocks[0].start).map((l) => l + "\n").join("");
    if (blocks[blocks.length - 1].end !== contentLines.length) { return null; }
    return { gap, content: this.sequence(contentLines, blocks, ctx) };
  }

  readAdmonition(own) {
    const m = ADMONITION.exec(own[0]);
    const body = this.body(dedent(own.slice(1), "    "), {});
    if (!body) { return null; }
    return { type: "admonition", attrs: { marker: m[1], kind: m[2] || "", title: m[3] === undefined ? null : m[3], gap: body.gap },
      content: body.content };
  }

  readTabs(lines, b) {
    const tabs = b.tabs.map((t) => ({ kind: "tab", start: t.start, end: t.end }));
    const content = tabs.map((t) => {
      const own = lines.slice(t.start, t.end);
      const m = TAB.exec(own[0]);
      const body = this.body(dedent(own.slice(1), "    "), {});
      if (!body) { throw new Error("empty tab"); }
      return { type: "tab", attrs: { oid: ++this.lastId, marker: m[1], title: m[2], gap: body.gap }, content: body.content };
    });
    tabs.forEach((t, k) => {
      const next = tabs[k + 1];
      const json = content[k];
      this.origin.set(json.attrs.oid, {
        src: lines.slice(t.start, t.end).join("\n"),
        sep: next ? "\n" + lines.slice(t.end, next.start).map((l) => l + "\n").join("") : "",
        next: next ? content[k + 1].attrs.oid : null,
        node: this.schema.nodeFromJSON(json),
      });
      if (this.writeFresh(this.origin.get(json.attrs.oid).node, {}) !== this.origin.get(json.attrs.oid).src) {
        throw new Error("tab does not write back");
      }
    });
    return { type: "tabs", content };
  }

  readFootnote(own) {
    const m = FOOTNOTE.exec(own[0]);
    if (!m[3]) { return null; }
    const body = this.body([m[3]].concat(dedent(own.slice(1), "    ")), {});
    if (!body) { return null; }
    return { type: "footnote", attrs: { label: m[1], pad: m[2] }, content: body.content };
  }

  readList(lines, b) {
    const items = b.items.map((it) => {
      const own = lines.slice(it.start, it.end);
      const m = BULLET.exec(own[0]) || ORDERED.exec(own[0]);
      let rest = m[4], checked = null;
      const t = TASK.exec(rest);
      if (t) { checked = t[1] !== " "; rest = rest.slice(4); }
      const cont = own.slice(1);
      const firstIndented = cont.find((l) => !blank(l));
      let indent = null;
      if (firstIndented !== undefined) {
        const ws = /^[ \t]*/.exec(firstIndented)[0];
        indent = ws.startsWith("\t") ? "\t" : ws.length >= 4 ? "    " : ws;
      }
      const body = this.body([rest].concat(indent === null ? cont : dedent(cont, indent)), { inItem: true });
      if (!body || body.gap) { throw new Error("list item without text on its first line"); }
      return { type: "listItem", attrs: { oid: ++this.lastId, lead: m[1], marker: m[2], pad: m[3], indent, checked },
        content: body.content, start: it.start, end: it.end };
    });
    items.forEach((json, k) => {
      const next = items[k + 1];
      const entry = { src: lines.slice(json.start, json.end).join("\n"), next: next ? next.attrs.oid : null,
        sep: next ? "\n" + lines.slice(json.end, next.start).map((l) => l + "\n").join("") : "" };
      delete json.start; delete json.end;
      entry.node = this.schema.nodeFromJSON(json);
      this.origin.set(json.attrs.oid, entry);
      // the item itself must write back as it was read (marker, spacing, indentation of its lines)
      const list = { type: { name: b.ordered ? "orderedList" : "bulletList" }, attrs: { tight: b.tight, numbering: null } };
      if (this.writeItem(entry.node, { list, index: k }, true) !== entry.src) { throw new Error("list item does not write back"); }
    });
    if (!b.ordered) {
      return { type: "bulletList", attrs: { tight: b.tight, bullet: items[0].attrs.marker }, content: items };
    }
    const numbers = items.map((it) => parseInt(it.attrs.marker, 10));
    const start = numbers[0];
    const numbering = numbers.every((x) => x === start) ? "same" : numbers.every((x, k) => x === start + k) ? "seq" : null;
    return { type: "orderedList", attrs: { tight: b.tight, start, numbering }, content: items };
  }

  readTable(own) {
    const rows = own.map(splitRow);
    const header = rows[0];
    const rule = splitRow(own[1]);
    if (!rule || !header || rows.some((r) => !r || r.cells.length !== header.cells.length || r.lead !== header.lead || r.trail !== header.trail)) {
      return null;
    }
    const aligns = rule.cells.map((c) => {
      const t = c.trim();
      return t.startsWith(":") && t.endsWith(":") ? "center" : t.startsWith(":") ? "left" : t.endsWith(":") ? "right" : null;
    });
    const cell = (type, raw, k) => {
      const lpad = /^[ \t]*/.exec(raw)[0];
      const rest = raw.slice(lpad.length);
      const rpad = /[ \t]*$/.exec(rest)[0];
      const text = rest.slice(0, rest.length - rpad.length);
      return { type, attrs: { align: aligns[k], lpad, rpad }, content: [{ type: "paragraph", content: parseInline(text) }] };
    };
    const content = [{ type: "tableRow", content: header.cells.map((c, k) => cell("tableHeader", c, k)) }]
      .concat(rows.slice(2).map((r) => ({ type: "tableRow", content: r.cells.map((c, k) => cell("tableCell", c, k)) })));
    return { type: "table", attrs: { lead: header.lead, trail: header.trail, rule: own[1] }, content };
  }

  readDefList(own, b) {
    const content = own.slice(0, b.terms).map((t) => ({ type: "defTerm", content: parseInline(t) }));
    let k = b.terms;
    while (k < own.length) {
      let e = k + 1;
      while (e < own.length && !DEF.test(own[e])) { e++; }
      const m = DEF.exec(own[k]);
      const body = this.body([m[3]].concat(dedent(own.slice(k + 1, e), "    ")), {});
      if (!body || body.gap) { return null; }
      content.push({ type: "defDesc", attrs: { lead: m[1], pad: m[2] }, content: body.content });
      k = e;
    }
    return { type: "defList", content };
  }

  readFigure(src) {
    const m = FIGURE.exec(src);
    if (!m) { return null; }
    const img = parseInline(m[3]);
    if (img.length !== 1 || img[0].type !== "image") { return null; }
    return { type: "figure", attrs: { ...img[0].attrs, caption: m[4], html: m[1], indent: m[2] } };
  }

  // ---------------------------------------------------------------- writing

  isUnchanged(node) {
    const entry = node.attrs.oid != null && this.origin.get(node.attrs.oid);
    if (!entry) { return false; }
    if (entry.node === node) { return true; }
    if (entry.node.eq(node)) { entry.node = node; return true; }
    return false;
  }

  /** A node's Markdown: its source when unchanged, written afresh otherwise. */
  write(node, ctx) {
    if (this.isUnchanged(node)) { return this.origin.get(node.attrs.oid).src; }
    if (node.type.name === "listItem") { return this.writeItem(node, ctx); }
    let md = this.fresh.get(node);
    if (md === undefined) {
      md = this.writeFresh(node, ctx);
      this.fresh.set(node, md);
    }
    return md;
  }

  children(parent, ctx) {
    const kids = [];
    const take = (child) => {
      // the editor's runs of blocks (schema.js: chunk) have no Markdown: their blocks are the chapter's
      if (child.type.name === "chunk") { child.forEach(take); return; }
      if (child.type.name === "paragraph" && child.content.size === 0 && !this.isUnchanged(child)) { return; }
      kids.push(child);
    };
    parent.forEach(take);
    let out = "";
    kids.forEach((child, k) => {
      out += this.write(child, { ...ctx, source: undefined, index: k, parent });
      if (k + 1 < kids.length) { out += this.sep(child, kids[k + 1], parent, ctx); }
    });
    return out;
  }

  sep(a, b, parent, ctx) {
    const name = parent.type.name;
    let def = "\n\n";
    if (LIST_TYPES.has(name)) { def = parent.attrs.tight ? "\n" : "\n\n"; }
    if (name === "listItem" && ctx.tight && LIST_TYPES.has(b.type.name)) { def = "\n"; }
    // Two blocks that were neighbours keep the lines between them, edited or not (a tight list stays
    // tight, a heading followed directly by text stays so); a block with a new neighbour keeps its
    // blank lines when they are of the kind the new neighbour needs.
    const entry = a.attrs.oid != null && this.origin.get(a.attrs.oid);
    if (!entry || entry.next === null || entry.node.type !== a.type) { return def; }
    const next = b.attrs.oid != null && this.origin.get(b.attrs.oid);
    if (entry.next === b.attrs.oid && next && next.node.type === b.type) { return entry.sep; }
    if (hasBlankLine(entry.sep) === hasBlankLine(def)) { return entry.sep; }
    return def;
  }

  writeFresh(node, ctx) {
    const a = node.attrs;
    switch (node.type.name) {
      case "paragraph": return this.paragraph(node, ctx);
      case "heading": {
        const text = this.oneLine(node.content);
        if (a.underline && (a.underline[0] === "=" ? 1 : 2) === a.level) { return text + "\n" + a.underline; }
        const open = a.open && a.open.replace(/[ \t]/g, "").length === a.level ? a.open : "#".repeat(a.level) + " ";
        return open + text + (a.anchor || "") + (a.close || "");
      }
      case "horizontalRule": return a.raw || "---";
      case "codeBlock": {
        const text = node.textContent;
        let fence = a.fence || "```";
        const longest = Math.max(0, ...(text.match(new RegExp("^ {0,3}\\" + fence[0] + "+", "gm")) || []).map((r) => r.trim().length));
        if (longest >= fence.length) { fence = fence[0].repeat(longest + 1); }
        const close = a.close && a.close.trim().startsWith(fence) && a.close.trim().length >= fence.length ? a.close : fence;
        return fence + (a.info || "") + "\n" + (text || a.empty ? text + (text ? "\n" : "") : "\n") + close;
      }
      case "mathBlock": {
        if (a.form === "env" && /^\\begin\{/.test(a.tex)) { return a.tex; }
        if (a.form === "square") { return "\\[\n" + a.tex + "\n\\]"; }
        return a.form === "line" && !a.tex.includes("\n") ? "$$" + a.tex + "$$" : "$$\n" + a.tex + "\n$$";
      }
      case "protected": return a.source;
      case "admonition": {
        const head = (a.marker || "!!!") + " " + a.kind + (a.title !== null ? (a.kind ? " " : "") + "\"" + a.title + "\"" : "");
        return head + "\n" + (a.gap || "") + indentText(this.children(node, {}), "    ");
      }
      case "tabs": return this.children(node, {});
      case "tab": return (a.marker || "===") + " \"" + a.title + "\"\n" + (a.gap === null ? "\n" : a.gap) + indentText(this.children(node, {}), "    ");
      case "footnote": {
        const body = indentText(this.children(node, {}), "    ");
        return "[^" + a.label + "]:" + (a.pad || " ") + body.replace(/^ {4}/, "");
      }
      case "bulletList": case "orderedList": return this.children(node, { tight: a.tight, list: node });
      case "table": return this.table(node);
      case "defList": {
        const parts = [];
        node.forEach((child) => {
          if (child.type.name === "defTerm") {
            parts.push(this.oneLine(child.content));
          } else {
            const body = indentText(this.children(child, {}), "    ");
            parts.push((child.attrs.lead || "") + ":" + (child.attrs.pad || "   ") + body.replace(/^ {4}/, ""));
          }
        });
        return parts.join("\n");
      }
      case "figure": {
        const img = imageMarkdown(a);
        if (!a.caption) { return img; }
        const indent = a.indent || "  ";
        return (a.html || "<figure markdown=\"span\">") + "\n" + indent + img + "\n" + indent + "<figcaption>" + a.caption + "</figcaption>\n</figure>";
      }
      default: throw new Error("no Markdown for block " + node.type.name);
    }
  }

  writeItem(node, ctx, fresh = false) {
    const list = ctx.list || ctx.parent;
    const a = node.attrs;
    const marker = this.marker(node, list, ctx.index || 0);
    const entry = !fresh && this.isUnchanged(node) && this.origin.get(a.oid);
    if (entry) { return entry.src.replace(/^( {0,3})(\S+)/, (all, lead) => lead + marker); }
    const body = this.children(node, { tight: list.attrs.tight, inItem: true });
    const indent = a.indent !== null && node.childCount === 1 ? a.indent : "    ";
    const task = a.checked === null ? "" : a.checked ? "[x] " : "[ ] ";
    const lines = body.split("\n");
    return (a.lead || "") + marker + (a.pad || " ") + task + lines[0] +
      lines.slice(1).map((l) => "\n" + (blank(l) ? l : indent + l)).join("");
  }

  marker(item, list, index) {
    const own = item.attrs.marker;
    if (list.type.name === "bulletList") { return own || list.attrs.bullet || "-"; }
    // Python-Markdown continues a list after a blank line with items of the other kind: they keep their marker
    if (own && !/^\d+\.$/.test(own)) { return own; }
    const start = list.attrs.start == null ? 1 : list.attrs.start;
    if (list.attrs.numbering === "same") { return start + "."; }
    if (list.attrs.numbering === "seq" || !item.attrs.marker || !/^\d+\.$/.test(item.attrs.marker)) { return (start + index) + "."; }
    return item.attrs.marker;
  }

  paragraph(node, ctx) {
    const plain = serialiseInline(node.content);
    // written as it was read (checking a block just read): it reads back as itself by definition
    if (plain === ctx.source || this.readsBack(plain, node, ctx)) { return plain; }
    // __bold__ next to a letter is not bold: the marks every position allows (**, *)
    const canonical = serialiseInline(node.content, { canonical: true });
    if (this.readsBack(canonical, node, ctx)) { return canonical; }
    return serialiseInline(this.escapeLineStarts(node.content), { escape: true, canonical: true });
  }

  /** Text that starts a line but would read as the start of a block (# heading, - list, 1. list,
   * > quote, | table, !!! box, === tab, $$ math) gets its first mark character escaped. */
  escapeLineStarts(fragment) {
    const out = [];
    let lineStart = true;
    fragment.forEach((n) => {
      if (lineStart && n.isText) {
        const m = /^([ \t]*)(?:(#|>|\||\$(?=\$)|`(?=``)|=(?==)|!(?=!!)|[-+*](?=[ \t]|[-*_ ]*$)|[-*_](?=[-*_ ]{2,}$))|(\d+)(\.)(?=[ \t]))/.exec(n.text);
        if (m) {
          const ch = m[2] || m[4];
          const before = m[1] + (m[3] || "");
          if (before) { out.push(this.schema.text(before, n.marks)); }
          out.push(this.schema.nodes.escape.create({ char: ch }, null, n.marks));
          const rest = n.text.slice(m[0].length);
          if (rest) { out.push(this.schema.text(rest, n.marks)); }
          lineStart = false;
          return;
        }
      }
      out.push(n);
      lineStart = n.type.name === "softBreak" || n.type.name === "hardBreak";
    });
    return Fragment.fromArray(out);
  }

  readsBack(md, node, ctx) {
    const lines = md.split("\n");
    const blocks = splitBlocks(lines, { inItem: !!ctx.inItem });
    if (blocks.length !== 1 || blocks[0].kind !== "paragraph" || blocks[0].start !== 0 || blocks[0].end !== lines.length) {
      return md === "" && node.content.size === 0;
    }
    return this.sameInline(node.content, parseInline(md));
  }

  sameInline(fragment, json) {
    try {
      return readerView(fragment.toJSON() || []) === readerView(Fragment.fromJSON(this.schema, json).toJSON() || []);
    } catch (e) {
      return false;
    }
  }

  /** Inline content on one line (headings, terms, table cells): a line break becomes a space, or <br> in a cell. */
  oneLine(fragment, table = false) {
    const nodes = [];
    fragment.forEach((n) => {
      if (n.type.name === "softBreak" || n.type.name === "hardBreak") {
        nodes.push(table && n.type.name === "hardBreak" ? this.schema.nodes.rawInline.create({ raw: "<br>" }) : this.schema.text(" ", n.marks));
      } else {
        nodes.push(n);
      }
    });
    const frag = Fragment.fromArray(nodes.reduce((acc, n) => {
      const last = acc[acc.length - 1];
      if (last && last.isText && n.isText && last.sameMarkup(n)) { acc[acc.length - 1] = this.schema.text(last.text + n.text, n.marks); } else { acc.push(n); }
      return acc;
    }, []));
    const plain = serialiseInline(frag, { table });
    if (this.sameInline(frag, parseInline(plain))) { return plain; }
    return serialiseInline(frag, { escape: true, table });
  }

  table(node) {
    const a = node.attrs;
    const rows = [];
    node.forEach((row) => {
      const cells = [];
      row.forEach((cell) => {
        for (let s = 0; s < (cell.attrs.colspan || 1); s++) {
          const text = s === 0 ? this.oneLine(cell.firstChild ? cell.firstChild.content : Fragment.empty, true) : "";
          const lpad = cell.attrs.lpad == null ? " " : cell.attrs.lpad;
          const rpad = cell.attrs.rpad == null ? " " : cell.attrs.rpad;
          cells.push(text === "" && lpad === "" && rpad === "" ? " " : lpad + text + rpad);
        }
      });
      rows.push(cells);
    });
    const width = Math.max(...rows.map((r) => r.length));
    const lead = a.lead === null ? true : a.lead, trail = a.trail === null ? true : a.trail;
    const line = (cells) => {
      while (cells.length < width) { cells.push(" "); }
      return (lead ? "|" : "") + cells.join("|") + (trail ? "|" : "");
    };
    let rule = a.rule;
    const ruleRow = rule && splitRow(rule);
    if (!ruleRow || ruleRow.cells.length !== width) {
      const aligns = [];
      node.firstChild.forEach((cell) => { for (let s = 0; s < (cell.attrs.colspan || 1); s++) { aligns.push(cell.attrs.align); } });
      while (aligns.length < width) { aligns.push(null); }
      rule = line(aligns.map((al) => (al === "center" ? ":---:" : al === "left" ? ":---" : al === "right" ? "---:" : "---")));
    }
    return [line(rows[0]), rule].concat(rows.slice(1).map(line)).join("\n");
  }
}

/** A table row's cells, split on pipes that are not escaped and not inside code. */
export function splitRow(line) {
  const cells = [];
  let cur = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && i + 1 < line.length) { cur += c + line[i + 1]; i++; continue; }
    if (c === "`") {
      const run = /^`+/.exec(line.slice(i))[0];
      const end = line.indexOf(run, i + run.length);
      if (end > 0) { cur += line.slice(i, end + run.length); i = end + run.length - 1; continue; }
    }
    if (c === "|") { cells.push(cur); cur = ""; continue; }
    cur += c;
  }
  cells.push(cur);
  const lead = /^[ \t]*$/.test(cells[0]) && cells.length > 1;
  const trail = /^[ \t]*$/.test(cells[cells.length - 1]) && cells.length > 1;
  if (lead) {
    if (cells[0] !== "") { return null; }
    cells.shift();
  }
  if (trail) {
    if (cells[cells.length - 1] !== "") { return null; }
    cells.pop();
  }
  return { lead, trail, cells };
}
