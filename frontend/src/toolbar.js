// The formatting toolbar as one Tab stop: arrow keys, Home and End move between its buttons
// (the WAI-ARIA toolbar pattern, roving tabindex). Pressing a button keeps the caret where it was.

export class Toolbar {
  constructor(el, onAction) {
    this.el = el;
    el.setAttribute("role", "toolbar");
    el.hidden = false;
    this.onAction = onAction;
    el.addEventListener("mousedown", (e) => { if (e.target.closest("button")) { e.preventDefault(); } });
    el.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-md]");
      if (b && !b.disabled) { this.stop(b); onAction(b.dataset.md, b); }
    });
    el.addEventListener("keydown", (e) => this.key(e));
    el.addEventListener("focusin", (e) => { const b = e.target.closest("button"); if (b) { this.stop(b); } });
    this.stop(this.buttons()[0]);
  }

  buttons() {
    return [...this.el.querySelectorAll("button")].filter((b) => !b.hidden && !b.closest("[hidden]"));
  }

  /** Make `b` the toolbar's one Tab stop. */
  stop(b) {
    if (!b) { return; }
    for (const x of this.el.querySelectorAll("button")) { x.tabIndex = x === b ? 0 : -1; }
  }

  key(e) {
    const list = this.buttons();
    const i = list.indexOf(document.activeElement);
    if (i < 0) { return; }
    let k = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { k = (i + 1) % list.length; }
    if (e.key === "ArrowLeft" || e.key === "ArrowUp") { k = (i - 1 + list.length) % list.length; }
    if (e.key === "Home") { k = 0; }
    if (e.key === "End") { k = list.length - 1; }
    if (k === null) { return; }
    e.preventDefault();
    this.stop(list[k]);
    list[k].focus();
  }

  /** Show the buttons that apply where the caret is; mark those that are on. */
  update({ inTable, pressed, mode }) {
    const key = JSON.stringify([inTable, pressed, mode]);
    if (key === this.shown) { return; }
    this.shown = key;
    for (const b of this.el.querySelectorAll("[data-when]")) {
      const when = b.dataset.when;
      b.hidden = when === "table" ? !inTable : when === "visual" ? mode !== "visual" : false;
    }
    for (const b of this.el.querySelectorAll("button[data-md]")) {
      if (b.dataset.md in pressed) { b.setAttribute("aria-pressed", pressed[b.dataset.md] ? "true" : "false"); } else { b.removeAttribute("aria-pressed"); }
    }
    const current = this.el.querySelector("button[tabindex='0']");
    if (!current || current.hidden) { this.stop(this.buttons()[0]); }
  }
}
