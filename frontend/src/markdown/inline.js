// Inline Markdown of the book's dialect (Python-Markdown + pymdownx) <-> ProseMirror inline content.
//
// Hand-written because no JavaScript parser reads Python-Markdown's inline dialect (caret, tilde,
// mark, keys, arithmatex, attr_list after images) and keeps enough of the source to write it back
// exactly: markdown-it and remark are CommonMark parsers that unescape text and forget which marks
// and spacing were used. Here every construct keeps what it needs to be written back as it was
// read, and the block layer checks that (see blocks.js): a paragraph whose content would not be
// written back byte for byte is shown as a protected block instead.

export const ESCAPABLE = "\\`*_{}[]()>#+-.!|$=^ ~";
const SPACE = /[ \t\n]/;
const WORD = /[\p{L}\p{N}_]/u;
const KEYS = /^\+\+((?:[\w-]+|"(?:\\.|[^"\\])+")(?:\+(?:[\w-]+|"(?:\\.|[^"\\])+"))*)\+\+/;
const MATH_DOLLAR = /^\$(?!\s)((?:\\.|[^\\$])+?)(?<!\s)\$/;
const MATH_ROUND = /^\\\(((?:\\.|[^\\])+?)\\\)/;
const HTML_TAG = /^(?:<\/?[A-Za-z][\w-]*(?:\s+[^<>]*?)?\/?>|<!--[\s\S]*?-->)/;
const AUTOLINK = /^<(?:[a-z][a-z0-9+.-]*:[^\s<>]*|[^\s<>@]+@[^\s<>@]+)>/i;
const ATTR_LIST = /^\{:?[^}\n]*\}/;

// Emphasis-like delimiters, longest first: [delimiter, mark, attrs].
const DELIMS = [
  ["**", "bold", null], ["__", "bold", { delim: "__" }],
  ["==", "highlight", null], ["^^", "insert", null], ["~~", "strike", null],
  ["*", "italic", null], ["_", "italic", { delim: "_" }],
];

/** Parse inline Markdown into ProseMirror JSON inline nodes. */
export function parseInline(src) {
  const memo = new Map();
  const result = seq(src, 0, null, memo);
  return flatten(result.items, []);
}

function seq(s, start, closer, memo) {
  const key = start + ":" + (closer || "");
  if (memo.has(key)) { return memo.get(key); }
  const items = [];
  let buf = "";
  let pos = start;
  const flush = () => { if (buf) { items.push({ t: "text", v: buf }); buf = ""; } };
  const done = (closed, end) => { flush(); const r = { items, pos: end, closed }; memo.set(key, r); return r; };
  while (pos < s.length) {
    if (closer && pos > start && canClose(s, pos, closer)) { return done(true, pos + closer.length); }
    const c = s[pos];
    if (c === "\\") {
      const m = MATH_ROUND.exec(s.slice(pos));
      if (m) { flush(); items.push(node("mathInline", { tex: m[1], delim: "\\(" })); pos += m[0].length; continue; }
      if (pos + 1 < s.length && ESCAPABLE.includes(s[pos + 1]) && s[pos + 1] !== "\n") {
        flush(); items.push(node("escape", { char: s[pos + 1] })); pos += 2; continue;
      }
    } else if (c === "`") {
      const run = /^`+/.exec(s.slice(pos))[0];
      const end = findTicks(s, pos + run.length, run.length);
      if (end >= 0) {
        flush();
        items.push({ t: "mark", m: { type: "code", attrs: run.length > 1 ? { ticks: run.length } : null },
          items: [{ t: "text", v: s.slice(pos + run.length, end) }] });
        pos = end + run.length;
        continue;
      }
      buf += run; pos += run.length; continue;
    } else if (c === "$") {
      const m = MATH_DOLLAR.exec(s.slice(pos));
      if (m && s[pos - 1] !== "$") { flush(); items.push(node("mathInline", { tex: m[1], delim: null })); pos += m[0].length; continue; }
    } else if (c === "\n") {
      const trailing = /[ \t]*$/.exec(buf)[0];
      buf = buf.slice(0, buf.length - trailing.length);
      flush();
      const lead = /^[ \t]*/.exec(s.slice(pos + 1))[0];
      const hard = / {2,}$/.test(trailing);
      items.push(node(hard ? "hardBreak" : "softBreak", { raw: trailing + "\n" + lead }));
      pos += 1 + lead.length;
      continue;
    } else if (c === "!" && s[pos + 1] === "[") {
      const img = image(s, pos);
      if (img) { flush(); items.push(node("image", img.attrs)); pos = img.end; continue; }
    } else if (c === "[") {
      const ref = /^\[\^([^\]\s]+)\]/.exec(s.slice(pos));
      if (ref && !s.slice(pos + ref[0].length).startsWith(":")) {
        flush(); items.push(node("footnoteRef", { label: ref[1] })); pos += ref[0].length; continue;
      }
      const lk = link(s, pos, memo);
      if (lk) { flush(); items.push(lk.item); pos = lk.end; continue; }
    } else if (c === "<") {
      const m = AUTOLINK.exec(s.slice(pos)) || HTML_TAG.exec(s.slice(pos));
      if (m && !m[0].includes("\n")) { flush(); items.push(node("rawInline", { raw: m[0] })); pos += m[0].length; continue; }
    } else if (c === "+" && s[pos + 1] === "+") {
      const m = KEYS.exec(s.slice(pos));
      if (m) { flush(); items.push(node("keys", { keys: m[1] })); pos += m[0].length; continue; }
    } else if ((c === "^" || c === "~") && s[pos + 1] !== c) {
      const sub = supSub(s, pos, c);
      if (sub) { flush(); items.push(sub.item); pos = sub.end; continue; }
    }
    if ("*_=^~".includes(c)) {
      let matched = false;
      for (const [d, type, attrs] of DELIMS) {
        if (!s.startsWith(d, pos) || !canOpen(s, pos, d)) { continue; }
        const inner = seq(s, pos + d.length, d, new Map());
        if (inner.closed && inner.items.length) {
          flush();
          items.push({ t: "mark", m: { type, attrs }, items: inner.items });
          pos = inner.pos;
          matched = true;
          break;
        }
      }
      if (matched) { continue; }
      const run = new RegExp("^\\" + c + "+").exec(s.slice(pos))[0];
      buf += run; pos += run.length; continue;
    }
    buf += c;
    pos++;
  }
  return done(false, pos);
}

function node(type, attrs) { return { t: "node", json: { type, attrs } }; }

function canOpen(s, pos, d) {
  const next = s[pos + d.length];
  if (next === undefined || SPACE.test(next)) { return false; }
  if (d[0] === "_" && pos > 0 && WORD.test(s[pos - 1])) { return false; }
  if (d.length === 1 && next === d) { return false; }
  return true;
}

function canClose(s, pos, d) {
  if (!s.startsWith(d, pos) || SPACE.test(s[pos - 1])) { return false; }
  const after = s[pos + d.length];
  if (d[0] === "_" && after !== undefined && WORD.test(after)) { return false; }
  return true;
}

function findTicks(s, from, n) {
  let i = from;
  while (i < s.length) {
    const j = s.indexOf("`", i);
    if (j < 0) { return -1; }
    const run = /^`+/.exec(s.slice(j))[0];
    if (run.length === n) { return j; }
    i = j + run.length;
  }
  return -1;
}

/** The end of a bracketed text starting at s[pos] === "[" (nested brackets, escapes, code). */
function closeBracket(s, pos) {
  let depth = 0;
  for (let i = pos; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") { i++; continue; }
    if (c === "`") {
      const run = /^`+/.exec(s.slice(i))[0];
      const end = findTicks(s, i + run.length, run.length);
      if (end >= 0) { i = end + run.length - 1; continue; }
      i += run.length - 1; continue;
    }
    if (c === "[") { depth++; } else if (c === "]") { depth--; if (depth === 0) { return i; } }
  }
  return -1;
}

/** `(href "title")` at s[pos] === "(": {href, title, end} or null. */
function destination(s, pos) {
  if (s[pos] !== "(") { return null; }
  let i = pos + 1;
  let href = "";
  if (s[i] === "<") {
    const end = s.indexOf(">", i);
    if (end < 0) { return null; }
    href = s.slice(i, end + 1);
    i = end + 1;
  } else {
    let depth = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === "\\" && i + 1 < s.length) { href += c + s[i + 1]; i += 2; continue; }
      if (SPACE.test(c)) { break; }
      if (c === "(") { depth++; } else if (c === ")") { if (depth === 0) { break; } depth--; }
      href += c; i++;
    }
  }
  let title = null;
  const t = /^ ("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')/.exec(s.slice(i));
  if (t) { title = t[1].slice(1, -1); i += t[0].length; }
  if (s[i] !== ")") { return null; }
  return { href, title, end: i + 1 };
}

function attrList(s, pos) {
  const m = ATTR_LIST.exec(s.slice(pos));
  return m ? m[0] : null;
}

function image(s, pos) {
  const close = closeBracket(s, pos + 1);
  if (close < 0) { return null; }
  const dest = destination(s, close + 1);
  if (!dest) { return null; }
  const attrs = attrList(s, dest.end);
  return {
    attrs: { alt: s.slice(pos + 2, close), src: dest.href, title: dest.title, attrs },
    end: dest.end + (attrs ? attrs.length : 0),
  };
}

function link(s, pos, memo) {
  const close = closeBracket(s, pos);
  if (close < 0) { return null; }
  const dest = destination(s, close + 1);
  if (!dest) {
    const ref = /^\[[^\]\n]*\]/.exec(s.slice(close + 1));
    if (ref) {  // a reference link is kept as it is written
      return { item: node("rawInline", { raw: s.slice(pos, close + 1 + ref[0].length) }), end: close + 1 + ref[0].length };
    }
    return null;
  }
  const inner = seq(s.slice(0, close), pos + 1, null, new Map());
  if (!inner.items.length) { return null; }
  const attrs = attrList(s, dest.end);
  return {
    item: { t: "mark", m: { type: "link", attrs: { href: dest.href, title: dest.title, attrs } }, items: inner.items },
    end: dest.end + (attrs ? attrs.length : 0),
  };
}

function supSub(s, pos, c) {
  // pymdownx.caret / tilde: H^2^, H~2~ (no unescaped space inside)
  const re = c === "^" ? /^\^((?:\\.|[^\s\\^])+?)\^(?!\^)/ : /^~((?:\\.|[^\s\\~])+?)~(?!~)/;
  const m = re.exec(s.slice(pos));
  if (!m) { return null; }
  const inner = seq(m[1], 0, null, new Map());
  return { item: { t: "mark", m: { type: c === "^" ? "superscript" : "subscript", attrs: null }, items: inner.items }, end: pos + m[0].length };
}

function flatten(items, marks) {
  const out = [];
  for (const it of items) {
    if (it.t === "text") {
      const last = out[out.length - 1];
      if (last && last.type === "text" && sameMarks(last.marks, marks)) { last.text += it.v; continue; }
      const t = { type: "text", text: it.v };
      if (marks.length) { t.marks = marks.slice(); }
      out.push(t);
    } else if (it.t === "node") {
      const n = { ...it.json };
      if (marks.length) { n.marks = marks.slice(); }
      out.push(n);
    } else {
      const m = it.m.attrs ? { type: it.m.type, attrs: it.m.attrs } : { type: it.m.type };
      // the same mark nested in itself (**a **b** c**) cannot be kept: it flattens to one mark
      const inner = marks.some((x) => x.type === m.type) ? marks : marks.concat([m]);
      for (const n of flatten(it.items, inner)) {
        const last = out[out.length - 1];
        if (n.type === "text" && last && last.type === "text" && sameMarks(last.marks, n.marks)) { last.text += n.text; } else { out.push(n); }
      }
    }
  }
  return out;
}

function sameMarks(a, b) {
  a = a || []; b = b || [];
  return a.length === b.length && a.every((m, i) => m.type === b[i].type && JSON.stringify(m.attrs || null) === JSON.stringify(b[i].attrs || null));
}

// ------------------------------------------------------------------ writing

const OPEN = {
  bold: (m) => m.attrs.delim || "**",
  italic: (m) => m.attrs.delim || "*",
  highlight: () => "==",
  insert: () => "^^",
  strike: () => "~~",
  superscript: () => "^",
  subscript: () => "~",
  link: () => "[",
};
const CLOSE = {
  ...OPEN,
  link: (m) => "](" + m.attrs.href + (m.attrs.title != null ? " \"" + m.attrs.title + "\"" : "") + ")" + (m.attrs.attrs || ""),
};

/** Inline content (a ProseMirror Fragment) as Markdown; `escape` writes every syntax character escaped. */
export function serialiseInline(fragment, { escape = false, table = false, canonical = false } = {}) {
  const nodes = [];
  fragment.forEach((n) => nodes.push(n));
  // Whitespace at the edge of a text stays only inside the marks that go on past it (`** a**` is not bold).
  const segs = [];
  nodes.forEach((n, i) => {
    const code = n.marks.find((m) => m.type.name === "code");
    const marks = n.marks.filter((m) => m !== code);
    if (n.isText && !code && marks.length) {
      const prev = i > 0 ? nodes[i - 1].marks : [];
      const next = i + 1 < nodes.length ? nodes[i + 1].marks : [];
      const lead = (/^[ \t]+/.exec(n.text) || [""])[0];
      const rest = n.text.slice(lead.length);
      const trail = (/[ \t]+$/.exec(rest) || [""])[0];
      const core = rest.slice(0, rest.length - trail.length);
      if (lead) { segs.push({ text: lead, marks: marks.filter((m) => m.isInSet(prev)) }); }
      if (core) { segs.push({ text: core, marks }); }
      if (trail) { segs.push({ text: trail, marks: marks.filter((m) => m.isInSet(next)) }); }
    } else {
      segs.push({ node: n, text: n.isText ? n.text : null, marks, code });
    }
  });
  let out = "";
  const stack = [];
  const open = (m) => (canonical && m.attrs.delim ? OPEN[m.type.name]({ attrs: {} }) : OPEN[m.type.name](m));
  const closeTo = (k) => {
    while (stack.length > k) { const m = stack.pop(); out += canonical && m.attrs.delim ? CLOSE[m.type.name]({ attrs: {} }) : CLOSE[m.type.name](m); }
  };
  for (const seg of segs) {
    let keep = 0;
    while (keep < stack.length && stack[keep].isInSet(seg.marks)) { keep++; }
    closeTo(keep);
    for (const m of seg.marks) {
      if (!m.isInSet(stack)) { out += open(m); stack.push(m); }
    }
    if (seg.code) {
      const n = Math.max(seg.code.attrs.ticks || 1, seg.text.includes("`") ? longestRun(seg.text) + 1 : 1);
      const ticks = "`".repeat(n);
      out += ticks + seg.text + ticks;  // Python-Markdown's tables do not split cells inside code
    } else if (seg.text !== null) {
      out += escapeText(seg.text, escape, table);
    } else {
      out += leaf(seg.node);
    }
  }
  closeTo(0);
  return out;
}

function longestRun(text) {
  return Math.max(0, ...(text.match(/`+/g) || []).map((r) => r.length));
}

function escapeText(text, escape, table) {
  if (table) { text = text.replace(/\|/g, "\\|"); }
  if (!escape) { return text; }
  return text.replace(/[\\`*_{}[\]$=^~+!#<>]/g, (c) => (c === "<" || c === ">" ? c : "\\" + c));
}

function leaf(n) {
  const a = n.attrs;
  switch (n.type.name) {
    case "escape": return "\\" + a.char;
    case "softBreak": return a.raw || "\n";
    case "hardBreak": return a.raw || "  \n";
    case "mathInline": return a.delim === "\\(" ? "\\(" + a.tex + "\\)" : "$" + a.tex + "$";
    case "keys": return "++" + a.keys + "++";
    case "footnoteRef": return "[^" + a.label + "]";
    case "rawInline": return a.raw;
    case "image": return imageMarkdown(a);
    default: throw new Error("no Markdown for inline node " + n.type.name);
  }
}

export function imageMarkdown(a) {
  return "![" + a.alt + "](" + a.src + (a.title != null ? " \"" + a.title + "\"" : "") + ")" + (a.attrs || "");
}

/** Inline JSON with escapes read as the characters they stand for: what the reader sees. */
export function readerView(json) {
  const out = [];
  for (const n of json) {
    const t = n.type === "escape" ? { type: "text", text: n.attrs.char, marks: n.marks } : n;
    const last = out[out.length - 1];
    if (t.type === "text" && last && last.type === "text" &&
        JSON.stringify(last.marks || []) === JSON.stringify(t.marks || [])) {
      out[out.length - 1] = { ...last, text: last.text + t.text };
    } else {
      out.push(t.type === "text" ? { type: "text", text: t.text, marks: t.marks || [] } : t);
    }
  }
  return JSON.stringify(out.map((n) => (n.type === "text" ? n : { ...n, marks: n.marks || [] })));
}
