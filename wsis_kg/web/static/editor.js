/* The SPARQL editor page: Yasgui (served by this service) talking to /sparql.
   Examples open in a new tab and run; IRIs of this graph in the results link to the
   resource pages of this service (not to the public host, which may be unreachable). */
(function () {
  "use strict";
  // The page's config is a JSON data block (the CSP allows no inline script).
  const cfg = window.WSIS = JSON.parse(document.getElementById("wsis-config").textContent);
  const endpoint = new URL(cfg.sparql, window.location.href).toString();
  const prologue = ["wsis", "wsisid", "skos", "rdfs", "dcterms"]
    .map((p) => `PREFIX ${p}: <${cfg.prefixes[p]}>`).join("\n");
  const defaultQuery = prologue + "\n\n# Every action line with its label\n" +
    "SELECT ?actionLine ?label WHERE {\n  ?actionLine a wsis:ActionLine ; skos:prefLabel ?label .\n}\nORDER BY ?label\n";

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
      prefixCcApi: new URL(cfg.root + "/prefixes.json", window.location.href).toString(),
      autocompleters: ["prefixes", "variables"],
      createShortLink: undefined,
    },
    yasr: { prefixes: cfg.prefixes },
  });
  window.wsisYasgui = yasgui;

  function useLocalEndpoint(tab) {
    if (tab && tab.getEndpoint && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  }
  useLocalEndpoint(yasgui.getTab());
  yasgui.on("tabSelect", (y, id) => setTimeout(() => useLocalEndpoint(y.getTab(id)), 0));

  function openQuery(name, query, run) {
    const tab = yasgui.addTab(true, { ...Yasgui.Tab.getDefaults(yasgui), name: name || "Query" });
    tab.setEndpoint(endpoint);
    tab.setQuery(query);
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

  /* IRIs of this graph → local resource pages */
  function localHref(href) {
    for (const base of cfg.bases) {
      if (href.startsWith(base)) return cfg.root + "/" + href.slice(base.length);
    }
    return null;
  }
  function relink(root) {
    root.querySelectorAll("a[href]").forEach((a) => {
      const local = localHref(a.getAttribute("href"));
      if (local) { a.setAttribute("href", local); a.removeAttribute("target"); }
    });
  }
  const box = document.getElementById("yasgui");
  new MutationObserver(() => relink(box)).observe(box, { childList: true, subtree: true });
})();
