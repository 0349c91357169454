// The flow editor: CodeMirror 6 with YAML highlighting over the form's textarea, checked as you type by the
// server's own validation (POST /flows/check/<file>); each problem is shown at its line and listed below. Bundled
// by esbuild into bot/web/static/editor.js (npm run build); without it the plain textarea still works.
// The editor lives in a shadow root: there CodeMirror's styles go into a constructed style sheet, which the console's
// CSP (style-src 'self') allows; on the document itself they would be a <style> element, which the CSP blocks.
import { EditorView, basicSetup } from "codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { linter, lintGutter } from "@codemirror/lint";

function problemsList(list, problems, file) {
  list.textContent = "";
  const mine = problems.filter((p) => p.file === file);
  if (!mine.length) {
    const li = document.createElement("li");
    li.textContent = list.getAttribute("data-none");
    list.appendChild(li);
  }
  for (const p of mine) {
    const li = document.createElement("li");
    li.id = "line-" + p.line;
    li.textContent = (list.getAttribute("data-line") || "{line}").replace("{line}", p.line) + ": " + p.message;
    list.appendChild(li);
  }
}

// The console's look inside the shadow root, where console.css does not reach: its focus ring, a frame, a height;
// and the lint marks drawn in CSS, as the CSP (img-src 'self') refuses the data: pictures CodeMirror draws them with.
const focusRing = EditorView.theme({
  "&": { border: "1px solid #4a4a4a", borderRadius: "3px", maxHeight: "70vh", fontSize: "15px" },
  ".cm-scroller": { overflow: "auto" },
  "&.cm-focused": { outline: "3px solid #f0a500", outlineOffset: "2px" },
  ".cm-lintRange-error": { backgroundImage: "none", textDecoration: "underline wavy #b00020",
    textDecorationSkipInk: "none", textUnderlineOffset: "3px" },
  ".cm-lintRange-warning": { backgroundImage: "none", textDecoration: "underline wavy #8a5a00" },
  ".cm-lintRange-info, .cm-lintRange-hint": { backgroundImage: "none", textDecoration: "underline dotted #4a4a4a" },
  ".cm-lint-marker": { display: "inline-block", width: ".8em", height: ".8em", borderRadius: "50%",
    margin: ".25em .1em 0" },
  ".cm-lint-marker-error": { content: "normal", background: "#b00020" },
  ".cm-lint-marker-warning": { content: "normal", background: "#8a5a00" },
  ".cm-lint-marker-info": { content: "normal", background: "#4a4a4a" },
});

function start() {
  const area = document.querySelector("textarea[data-editor]");
  if (!area) { return; }
  const form = area.form;
  const token = form.querySelector("input[name=csrf_token]").value;
  const file = area.getAttribute("data-file");
  const list = document.getElementById("problems");
  const check = linter(async (view) => {
    const body = new FormData();
    body.append("csrf_token", token);
    body.append("body", view.state.doc.toString());
    let answer;
    try {
      const response = await fetch(area.getAttribute("data-check"), { method: "POST", body, credentials: "same-origin" });
      answer = await response.json();
    } catch (error) {
      return [];
    }
    const problems = answer.problems || [];
    if (list) { problemsList(list, problems, file); }
    return problems.filter((p) => p.file === file).map((p) => {
      const line = view.state.doc.line(Math.min(Math.max(p.line, 1), view.state.doc.lines));
      return { from: line.from, to: line.to, severity: "error", message: p.message };
    });
  }, { delay: 600 });
  const host = document.createElement("div");
  host.className = "flow-editor";
  const root = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    doc: area.value,
    root,
    extensions: [basicSetup, yaml(), lintGutter(), check, EditorView.lineWrapping, focusRing,
      EditorView.contentAttributes.of({ "aria-label": document.querySelector("label[for=body]").textContent,
        tabindex: "0" })],  // focusable as axe-core counts it: the scrolling box holds something to tab to
  });
  root.appendChild(view.dom);
  area.hidden = true;
  area.parentNode.insertBefore(host, area);
  form.addEventListener("submit", () => { area.value = view.state.doc.toString(); });
  const wanted = /^#line-(\d+)$/.exec(window.location.hash);
  if (wanted) {
    const line = view.state.doc.line(Math.min(Number(wanted[1]), view.state.doc.lines));
    view.dispatch({ selection: { anchor: line.from, head: line.to }, scrollIntoView: true });
    view.focus();
  }
}

if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
