/* The SPARQL editor page: Yasgui (served by this service) talking to /sparql.
   - Nothing leaves the machine: Yasgui's own completers of classes and properties ask the
     Linked Open Vocabularies service on the Internet, so they are switched off and replaced by
     completers of the project's own classes, properties and resources, read from
     /editor/terms.json (the live graph); prefixes come from /prefixes.json.
   - Syntax errors (Yasqe's check while typing, the endpoint's answer when run) are spelled out
     under the editor with their line and column.
   - Examples open in a tab of their own and run; opening one again reuses its tab.
   - IRIs of this graph in the results link to the resource pages of this service (not to the
     public host, which may be unreachable) and show their labels. */
(function () {
  "use strict";
  // The page's config is a JSON data block (the CSP allows no inline script).
  const cfg = window.WSIS = JSON.parse(document.getElementById("wsis-config").textContent);
  const here = (path) => new URL(path, window.location.href).toString();
  const endpoint = here(cfg.sparql);
  const prologue = ["wsis", "wsisid", "skos", "rdfs", "dcterms"]
    .map((p) => `PREFIX ${p}: <${cfg.prefixes[p]}>`).join("\n");
  const defaultQuery = prologue + "\n\n# Every action line with its label\n" +
    "SELECT ?actionLine ?label WHERE {\n  ?actionLine a wsis:ActionLine ; skos:prefLabel ?label .\n}\nORDER BY ?label\n";

  /* ------------------------------------------------------------ completion, local only */
  const Yasqe = Yasgui.Yasqe;
  // Yasgui merges its defaults into our config index by index, so a shorter list of
  // completers would keep the LOV ones: empty the defaults and unregister those completers.
  delete Yasqe.Autocompleters.property;
  delete Yasqe.Autocompleters.class;
  Yasqe.defaults.autocompleters = [];
  Yasgui.defaults.yasqe.autocompleters = [];

  let termsPromise = null;
  const labels = new Map();  // IRI → label, also used to label result IRIs
  function terms() {
    if (!termsPromise) {
      termsPromise = fetch(here(cfg.terms), { headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : { terms: [] }))
        .then((body) => {
          for (const t of body.terms) if (t.label) labels.set(t.iri, t.label);
          return body.terms;
        })
        .catch(() => []);
    }
    return termsPromise;
  }
  const PN_LOCAL = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$/;
  function knownPrefixes(yasqe) { return { ...cfg.prefixes, ...yasqe.getPrefixesFromQuery() }; }
  function shortest(yasqe, iri, preferred) {
    const prefixes = knownPrefixes(yasqe);
    const order = preferred ? [preferred, ...Object.keys(prefixes)] : Object.keys(prefixes);
    for (const p of order) {
      const ns = prefixes[p];
      if (ns && iri.startsWith(ns) && PN_LOCAL.test(iri.slice(ns.length))) return `${p}:${iri.slice(ns.length)}`;
    }
    return `<${iri}>`;
  }
  function readToken(yasqe, token) {
    const s = token.string.trim();
    token.want = { iri: "", word: "" };
    if (s.startsWith("<")) {
      token.want.iri = s.slice(1).replace(/>$/, "");
    } else {
      const i = s.indexOf(":");
      const prefixes = knownPrefixes(yasqe);
      if (i >= 0 && prefixes[s.slice(0, i)] !== undefined) {
        token.want.prefix = s.slice(0, i);
        token.want.iri = prefixes[token.want.prefix];
        token.want.word = s.slice(i + 1).toLowerCase();
      } else {
        token.want.word = s.toLowerCase();
      }
    }
    return token;
  }
  function matches(kind) {
    return (yasqe, token) => terms().then((all) => {
      const w = token.want || { iri: "", word: "" };
      const hits = [];
      for (const t of all) {
        if (t.kind !== kind || !t.iri.startsWith(w.iri)) continue;
        const rest = t.iri.slice(w.iri.length).toLowerCase();
        const startsWith = rest.startsWith(w.word);
        if (startsWith || (w.word && ((t.label || "").toLowerCase().includes(w.word) || rest.includes(w.word)))) {
          hits.push({ t: t, rank: startsWith ? 0 : 1 });
        }
      }
      hits.sort((a, b) => a.rank - b.rank || a.t.iri.localeCompare(b.t.iri));
      return hits.slice(0, 80).map((h) => h.t.iri);
    });
  }
  const shownLabel = new Map();  // completion text → label (for the list's display text)
  function postProcess(yasqe, token, iri) {
    const text = shortest(yasqe, iri, token.want && token.want.prefix);
    if (labels.has(iri)) shownLabel.set(text, labels.get(iri));
    return text;
  }
  function withLabels(yasqe, hints) {
    return hints.map((h) => ({ ...h, displayText: shownLabel.has(h.text) ? `${h.text} — ${shownLabel.get(h.text)}` : h.text }));
  }
  const isVariable = (s) => s[0] === "?" || s[0] === "$";
  function propertyPosition(yasqe) {
    const t = yasqe.getCompleteToken();
    return t.string.trim().length > 0 && !isVariable(t.string) && t.state.possibleCurrent.indexOf("a") >= 0;
  }
  function classPosition(yasqe) {
    const t = yasqe.getCompleteToken();
    if (!t.string.trim() || isVariable(t.string)) return false;
    const prev = yasqe.getPreviousNonWsToken(yasqe.getDoc().getCursor().line, t);
    return !!prev && ["a", "rdf:type"].includes(prev.state.lastProperty);
  }
  function resourcePosition(yasqe) {
    const t = yasqe.getCompleteToken();
    const s = t.string.trim();
    if (!s || isVariable(s) || !(s.includes(":") || s.startsWith("<"))) return false;
    const prev = yasqe.getPreviousNonWsToken(yasqe.getDoc().getCursor().line, t);
    if (prev && prev.string.toUpperCase() === "PREFIX") return false;
    return !propertyPosition(yasqe) && !classPosition(yasqe);
  }
  const common = { bulk: false, autoShow: false, preProcessToken: readToken,
    postProcessSuggestion: postProcess, postprocessHints: withLabels };
  Yasqe.registerAutocompleter({ ...common, name: "wsisClass", get: matches("class"),
    isValidCompletionPosition: classPosition }, false);
  Yasqe.registerAutocompleter({ ...common, name: "wsisProperty", get: matches("property"),
    isValidCompletionPosition: propertyPosition }, false);
  Yasqe.registerAutocompleter({ ...common, name: "wsisResource", get: matches("resource"),
    isValidCompletionPosition: resourcePosition }, false);

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    populateFromUrl: false,
    persistenceId: "wsis-kg-editor",
    endpointCatalogueOptions: {
      getData: () => [{ endpoint: endpoint, label: "this service" }],
      keys: [],
    },
    yasqe: {
      value: defaultQuery,
      prefixCcApi: here(cfg.root + "/prefixes.json"),
      autocompleters: ["prefixes", "variables", "wsisClass", "wsisProperty", "wsisResource"],
      createShortLink: undefined,
      // Tab moves on to the next control (no keyboard trap); Ctrl-] and Ctrl-[ indent
      extraKeys: { Tab: false, "Shift-Tab": false },
    },
    yasr: { prefixes: cfg.prefixes },
  });
  window.wsisYasgui = yasgui;
  terms();

  function useLocalEndpoint(tab) {
    if (tab && tab.getEndpoint && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  }
  useLocalEndpoint(yasgui.getTab());

  /* ------------------------------------------------------------ problems, readable */
  const problem = document.getElementById("query-problem");
  function showProblem(text) {
    problem.textContent = text || "";
    problem.hidden = !text;
  }
  // Yasqe marks the first bad line with a gutter icon whose message shows only on hover.
  function syntaxProblem(yasqe) {
    if (yasqe.queryValid) return "";
    const doc = yasqe.getDoc();
    for (let line = 0; line < doc.lineCount(); line++) {
      const info = yasqe.lineInfo(line);
      if (!info || !info.gutterMarkers || !info.gutterMarkers.gutterErrorBar) continue;
      const tokens = yasqe.getLineTokens(line);
      const bad = tokens.find((t) => (t.type || "").includes("error")) || tokens[tokens.length - 1];
      const state = yasqe.getTokenAt({ line: line, ch: doc.getLine(line).length }, true).state;
      const expected = (state.possibleCurrent || []).slice(0, 8).join(", ");
      return `Syntax error at line ${line + 1}, column ${(bad ? bad.start : 0) + 1}` +
        (state.errorMsg ? `: ${state.errorMsg}` : expected ? `: expected ${expected}` : "");
    }
    return "The query is not valid SPARQL.";
  }
  function watch(tab) {
    const yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (!yasqe || yasqe.wsisWatched) return;
    yasqe.wsisWatched = true;
    let timer = null;
    yasqe.on("change", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { if (yasgui.getTab() === tab) showProblem(syntaxProblem(yasqe)); }, 300);
    });
  }
  function answerProblem(tab) {
    const results = tab.getYasr() && tab.getYasr().results;
    if (!results || !results.hasError()) return "";
    const err = results.getError() || {};
    let body = null;
    try { body = JSON.parse(err.text); } catch (e) { return `The endpoint refused the query: ${err.text || err.statusText || ""}`; }
    const where = body.line ? ` at line ${body.line}, column ${body.column}` : "";
    let detail = String(body.detail || "").replace(/^SPARQL query syntax error at line \d+, column \d+: ?/, "");
    if (detail.length > 240) detail = detail.slice(0, 240) + " …";
    if (body.line) {
      const yasqe = tab.getYasqe();
      yasqe.getDoc().setCursor({ line: body.line - 1, ch: Math.max(0, (body.column || 1) - 1) });
    }
    return `${body.title || "Error"}${where}${detail ? ": " + detail : ""}`;
  }
  yasgui.on("queryResponse", (y, tab) => setTimeout(() => { if (yasgui.getTab() === tab) showProblem(answerProblem(tab)); }, 0));
  yasgui.on("tabSelect", (y, id) => setTimeout(() => {
    const tab = y.getTab(id);
    useLocalEndpoint(tab);
    watch(tab);
    showProblem(syntaxProblem(tab.getYasqe()) || answerProblem(tab));
  }, 0));
  yasgui.on("tabAdd", (y, id) => setTimeout(() => watch(y.getTab(id)), 0));
  watch(yasgui.getTab());

  /* ------------------------------------------------------------ examples: one tab each */
  function tabNamed(name) {
    for (const id of yasgui.persistentConfig.getTabs()) {
      const t = yasgui.getTab(id);
      if (t && t.getName() === name) return t;
    }
    return null;
  }
  function openQuery(name, query, run) {
    let tab = tabNamed(name || "Query");
    if (tab) {
      yasgui.selectTabId(tab.getId());
    } else {
      tab = yasgui.addTab(true, { ...Yasgui.Tab.getDefaults(yasgui), name: name || "Query" });
    }
    tab.setEndpoint(endpoint);
    tab.setQuery(query);
    watch(tab);
    if (run) tab.query();
    return tab;
  }
  if (cfg.initial) openQuery(cfg.initial.name, cfg.initial.query, cfg.run);

  const byName = {};
  (cfg.examples || []).forEach((e) => { byName[e.name] = e; });
  document.querySelectorAll("[data-example]").forEach((a) => {
    a.addEventListener("click", (ev) => {
      const ex = byName[a.dataset.example];
      if (!ex) return;
      ev.preventDefault();
      openQuery(ex.title, ex.query, true);
      history.replaceState(null, "", a.href);
    });
  });

  /* ------------------------------------------------------------ result IRIs: local, labelled */
  function localHref(href) {
    for (const base of cfg.bases) {
      if (href.startsWith(base)) return cfg.root + "/" + href.slice(base.length);
    }
    return null;
  }
  // links first, at once (the label list may still be on its way), labels when it is there
  function relink(root) {
    root.querySelectorAll(".yasr a[href]:not([data-iri])").forEach((a) => {
      const iri = a.getAttribute("href");
      a.dataset.iri = iri;
      const local = localHref(iri);
      if (local) { a.setAttribute("href", local); a.removeAttribute("target"); }
    });
  }
  function label(root) {
    root.querySelectorAll(".yasr a[data-iri]:not([data-labelled])").forEach((a) => {
      a.dataset.labelled = "1";
      const text = labels.get(a.dataset.iri);
      if (!text) return;
      const span = document.createElement("span");
      span.className = "iri-label";
      span.textContent = text;
      a.append(" ", span);
      a.title = a.dataset.iri;
    });
  }

  /* ------------------------------------------------------------ Yasgui, accessible */
  // What axe-core finds in Yasgui's markup, mended in place: unlabelled fields, a button
  // inside the tab list (only tabs may be there) and a scrolling box the keyboard cannot reach.
  function mend(root) {
    const name = (sel, text) => root.querySelectorAll(sel).forEach((n) => {
      if (!n.hasAttribute("aria-label")) n.setAttribute("aria-label", text);
    });
    name(".CodeMirror textarea", "SPARQL query");
    name("input.autocomplete", "SPARQL endpoint");
    name(".tabsList .tab input", "Tab name");
    name("select.tableSizer", "Rows per page");
    root.querySelectorAll(".CodeMirror-scroll:not([tabindex='0'])").forEach((n) => {
      n.setAttribute("tabindex", "0");
      n.setAttribute("role", "region");
      n.setAttribute("aria-label", "Query text");
    });
    const list = root.querySelector(".tabsList");
    const add = list && list.querySelector("button.addTab");
    if (add) {
      const holder = document.createElement("div");
      holder.className = "add-tab";
      holder.appendChild(add);  // its click handler moves with it
      list.after(holder);
    }
  }
  const box = document.getElementById("yasgui");
  mend(box);
  new MutationObserver(() => { mend(box); relink(box); terms().then(() => label(box)); })
    .observe(box, { childList: true, subtree: true });
})();
