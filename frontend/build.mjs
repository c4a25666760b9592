// Bundle the chapter editor into server/static/vendor/editor/ (committed, so the platform never
// needs npm to run): editor.js (one IIFE, global JointbookEditor), editor.css, and LICENSES.txt
// with the licence text of every package that went into the bundle.
//
// Run: npm ci && npm run build

import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, "../server/static/vendor/editor");
fs.mkdirSync(out, { recursive: true });

// The platform's pages allow no inline style (CSP style-src 'self'). CodeMirror's styles come from
// style-mod, which puts them in a <style> element on a document and uses a constructed stylesheet
// (document.adoptedStyleSheets, which the policy allows) only in a shadow root. Use the
// constructed stylesheet everywhere; fail the build if style-mod changed and the line is gone.
const constructedStyles = {
  name: "style-mod-constructed-sheets",
  setup(build) {
    build.onLoad({ filter: /style-mod[\\/]src[\\/]style-mod\.js$/ }, (args) => {
      const source = fs.readFileSync(args.path, "utf8");
      const from = "if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {";
      if (!source.includes(from)) { throw new Error("style-mod changed: review the constructed stylesheet patch in build.mjs"); }
      return { contents: source.replace(from, "if (root.adoptedStyleSheets && win.CSSStyleSheet) {"), loader: "js" };
    });
  },
};

const common = { bundle: true, minify: true, legalComments: "none", metafile: true, target: ["es2020"], logLevel: "warning" };
const js = await esbuild.build({
  ...common,
  entryPoints: [path.join(here, "src/index.js")],
  outfile: path.join(out, "editor.js"),
  format: "iife",
  globalName: "JointbookEditor",
  // Chrome's explicit compile hint: compile every function of the bundle as the script loads, so the
  // compiled code goes into the browser's code cache with it. Without it each function is compiled
  // when first called, on every visit, while the chapter opens (first screen about 420 → 370 ms,
  // median of 6 openings side by side; benchmarks/editor.py). Other browsers read a comment.
  banner: { js: "//# allFunctionsCalledOnLoad" },
  plugins: [constructedStyles],
});
const css = await esbuild.build({
  ...common,
  entryPoints: [path.join(here, "src/editor.css")],
  outfile: path.join(out, "editor.css"),
});

// Every package whose files are in the bundle, with its licence.
const packages = new Map();
for (const meta of [js.metafile, css.metafile]) {
  for (const input of Object.keys(meta.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) { packages.set(m[1], path.join(here, "node_modules", m[1])); }
  }
}
const notices = [];
for (const [name, dir] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.md|\.txt)?$/i.test(f));
  if (!file) { throw new Error(`${name} has no licence file: it cannot be bundled`); }
  const text = fs.readFileSync(path.join(dir, file), "utf8").trim();
  notices.push(`${name}@${pkg.version} — ${pkg.license}\n${pkg.homepage || (pkg.repository && (pkg.repository.url || pkg.repository)) || ""}\n\n${text}\n`);
}
const header = "Third-party software in editor.js and editor.css (the Jointbook chapter editor),\n" +
  "bundled from the npm registry by frontend/build.mjs. Each package's licence follows.\n\n" +
  notices.map((n) => "- " + n.split("\n")[0]).join("\n") + "\n\n";
fs.writeFileSync(path.join(out, "LICENSES.txt"), header + notices.join("\n" + "=".repeat(72) + "\n\n"));

const size = (f) => (fs.statSync(path.join(out, f)).size / 1024).toFixed(0) + " KiB";
console.log(`editor.js ${size("editor.js")}, editor.css ${size("editor.css")}, ${packages.size} packages in LICENSES.txt`);
