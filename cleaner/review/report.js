// Renders the cleaner report from the JSON block, one page of documents at a time.
// Data never reaches innerHTML: every string goes through textContent, title or Option.
// The view (search, category, flagged only, page) lives in the URL hash, e.g.
// report.html#q=bridge&category=ads&flagged=1&page=2, so a filtered view can be shared.
(function () {
  "use strict";
  const PAGE_SIZE = 25;
  const PALETTE = ["#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599",
    "#c2255c", "#5c940d", "#364fc7", "#e8590c", "#495057", "#862e9c"];
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const docs = data.docs;
  const colour = new Map(data.categories.map((name, i) => [name, PALETTE[i % PALETTE.length]]));
  const state = { page: 0, category: "", flaggedOnly: false, query: "" };
  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Span tuples: [start, end, action, rule or model, category, score, status, detail].
  function describe(span) {
    const [start, end, action, rule, category, score, status, detail] = span;
    const lines = [
      (action === "flagged" ? "flagged by " : "removed by ") + rule,
      "category: " + category + "   status: " + status,
      "score: " + (score === null ? "n/a (rule)" : Number(score).toFixed(3)),
      "chars " + start + "-" + end,
    ];
    if (detail) lines.push(detail);
    return lines.join("\n");
  }

  function haystack(doc) {
    if (doc._hay === undefined) doc._hay = (doc.id + "\n" + doc.title + "\n" + doc.text).toLowerCase();
    return doc._hay;
  }

  function matches(doc) {
    if (state.flaggedOnly && !doc.spans.some((s) => s[2] === "flagged")) return false;
    if (state.category && !doc.spans.some((s) => s[2] === "removed" && s[4] === state.category)) return false;
    return !state.query || haystack(doc).includes(state.query);
  }

  function spanClass(span) {
    if (span[2] === "flagged") return "flag " + span[6];
    return { applied: "cut", guarded: "guarded", kept: "overruled" }[span[6]] || "cut";
  }

  function showDetail(spans, node) {
    document.querySelectorAll(".span.selected").forEach((n) => n.classList.remove("selected"));
    node.classList.add("selected");
    const box = $("detail");
    box.textContent = spans.map(describe).join("\n\n");
    box.hidden = false;
  }

  function renderText(doc) {
    const box = el("div", "text");
    const text = doc.text;
    const spans = doc.spans.filter((s) => s[0] < s[1]);
    const points = new Set([0, text.length]);
    spans.forEach((s) => { points.add(s[0]); points.add(s[1]); });
    const cuts = Array.from(points).filter((p) => p <= text.length).sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i], b = cuts[i + 1];
      const piece = text.slice(a, b);
      const active = spans.filter((s) => s[0] <= a && b <= s[1]);
      if (!active.length) { box.appendChild(document.createTextNode(piece)); continue; }
      // A flag drawn over a cut stays visible: the flagged span decides the look.
      const main = active.find((s) => s[2] === "flagged") || active[0];
      const node = el("span", "span " + spanClass(main), piece);
      const removed = active.find((s) => s[2] === "removed");
      if (removed) node.style.setProperty("--cat", colour.get(removed[4]) || "#868e96");
      node.title = active.map(describe).join("\n\n");
      node.addEventListener("click", () => showDetail(active, node));
      box.appendChild(node);
    }
    return box;
  }

  function renderDoc(doc) {
    const article = el("article");
    article.appendChild(el("h3", "", doc.title || "(untitled)"));
    const removed = doc.spans.filter((s) => s[2] === "removed").length;
    const flagged = doc.spans.length - removed;
    const meta = [doc.id, doc.url, doc.lang, removed + " removed", flagged + " flagged"].filter(Boolean);
    article.appendChild(el("div", "docmeta", meta.join(" · ")));
    if (doc.guard) article.appendChild(el("div", "warn", "guard: " + doc.guard));
    doc.warnings.forEach((w) => article.appendChild(el("div", "warn", "warning: " + w)));
    article.appendChild(renderText(doc));
    return article;
  }

  function render() {
    const shown = docs.filter(matches);
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    state.page = Math.min(state.page, pages - 1);
    const start = state.page * PAGE_SIZE;
    const list = $("docs");
    list.replaceChildren();
    if (!shown.length) list.appendChild(el("p", "empty", "No document matches."));
    shown.slice(start, start + PAGE_SIZE).forEach((doc) => list.appendChild(renderDoc(doc)));
    const label = shown.length
      ? "documents " + (start + 1) + "-" + Math.min(start + PAGE_SIZE, shown.length) + " of " + shown.length
      : "0 documents";
    document.querySelectorAll(".page-label").forEach((n) => { n.textContent = label + " (page " + (state.page + 1) + " of " + pages + ")"; });
    document.querySelectorAll(".prev").forEach((b) => { b.disabled = state.page === 0; });
    document.querySelectorAll(".next").forEach((b) => { b.disabled = state.page >= pages - 1; });
    $("detail").hidden = true;
    const view = new URLSearchParams();
    if (state.query) view.set("q", state.query);
    if (state.category) view.set("category", state.category);
    if (state.flaggedOnly) view.set("flagged", "1");
    if (state.page) view.set("page", String(state.page + 1));
    history.replaceState(null, "", view.toString() ? "#" + view.toString() : location.pathname);
  }

  function turn(delta) {
    state.page += delta;
    render();
    window.scrollTo(0, $("docs").offsetTop - 60);
  }

  const select = $("category");
  data.categories.forEach((name) => select.appendChild(new Option(name, name)));
  const legend = $("legend");
  data.categories.forEach((name) => {
    const item = el("span");
    const swatch = el("span", "swatch");
    swatch.style.setProperty("--cat", colour.get(name));
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(name));
    legend.appendChild(item);
  });
  const flagItem = el("span");
  const flagSwatch = el("span", "swatch");
  flagSwatch.style.setProperty("--cat", "#ffe066");
  flagItem.appendChild(flagSwatch);
  flagItem.appendChild(document.createTextNode("flagged"));
  legend.appendChild(flagItem);

  function readHash() {
    const view = new URLSearchParams(location.hash.slice(1));
    state.page = Math.max(0, (parseInt(view.get("page"), 10) || 1) - 1);
    state.category = view.get("category") || "";
    state.flaggedOnly = view.get("flagged") === "1";
    state.query = (view.get("q") || "").trim().toLowerCase();
    select.value = state.category;
    $("flagged-only").checked = state.flaggedOnly;
    $("search").value = state.query;
  }
  select.addEventListener("change", () => { state.category = select.value; state.page = 0; render(); });
  $("flagged-only").addEventListener("change", (e) => { state.flaggedOnly = e.target.checked; state.page = 0; render(); });
  let timer = 0;
  $("search").addEventListener("input", (e) => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.query = e.target.value.trim().toLowerCase(); state.page = 0; render(); }, 150);
  });
  document.querySelectorAll(".prev").forEach((b) => b.addEventListener("click", () => turn(-1)));
  document.querySelectorAll(".next").forEach((b) => b.addEventListener("click", () => turn(1)));
  $("detail").addEventListener("click", () => { $("detail").hidden = true; });
  window.addEventListener("hashchange", () => { readHash(); render(); });
  readHash();
  render();
})();
