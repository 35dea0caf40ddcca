/* Pictures drawn in the browser from live SPARQL (POST to /sparql, JSON results):
   the facilitation network, the resolution citation network over time (cytoscape, served by
   this service) and a timeline of events (plain SVG). Every node links to its resource page.
   A container <div data-picture="facilitation|citations|timeline"> is filled on load; when
   done it gets data-rendered="<number of drawn items>" (used by the browser tests). */
(function () {
  "use strict";
  // The page's config is a JSON data block (the CSP allows no inline script).
  const cfg = window.WSIS = JSON.parse(document.getElementById("wsis-config").textContent);
  const P = cfg.prefixes;
  const PROLOGUE = ["wsis", "wsisid", "skos", "rdfs", "dcterms"]
    .map((p) => `PREFIX ${p}: <${P[p]}>`).join("\n") + "\n";
  const SVGNS = "http://www.w3.org/2000/svg";

  async function sparql(query) {
    const resp = await fetch(cfg.sparql, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json" },
      body: new URLSearchParams({ query: PROLOGUE + query }),
    });
    if (!resp.ok) throw new Error(`SPARQL endpoint answered ${resp.status}: ${(await resp.text()).slice(0, 300)}`);
    const json = await resp.json();
    return json.results.bindings.map((b) => {
      const row = {};
      for (const k in b) row[k] = b[k].value;
      return row;
    });
  }

  function localHref(iri) {
    for (const base of cfg.bases) {
      if (iri.startsWith(base)) return cfg.root + "/" + iri.slice(base.length);
    }
    return iri;
  }
  function tail(iri) { return iri.replace(/\/$/, "").split("/").pop(); }
  function natural(a, b) { return a.localeCompare(b, "en", { numeric: true }); }
  function status(el, text, cls) {
    el.innerHTML = "";
    const p = document.createElement("div");
    p.className = cls || "picture-status";
    p.textContent = text;
    el.appendChild(p);
  }
  function uniqueBy(rows, key) {
    const seen = new Map();
    for (const r of rows) if (!seen.has(r[key])) seen.set(r[key], r);
    return [...seen.values()];
  }
  function openOnTap(cy) {
    cy.on("tap", "node", (ev) => {
      const iri = ev.target.data("iri");
      if (iri) window.location.href = localHref(iri);
    });
    cy.on("mouseover", "node", (ev) => { if (ev.target.data("iri")) cy.container().style.cursor = "pointer"; });
    cy.on("mouseout", "node", () => { cy.container().style.cursor = ""; });
  }
  function swatch(color, dash) {
    const svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", "36"); svg.setAttribute("height", "10");
    const l = document.createElementNS(SVGNS, "line");
    l.setAttribute("x1", "0"); l.setAttribute("y1", "5"); l.setAttribute("x2", "36"); l.setAttribute("y2", "5");
    l.setAttribute("stroke", color); l.setAttribute("stroke-width", "3");
    if (dash) l.setAttribute("stroke-dasharray", dash);
    svg.appendChild(l);
    return svg;
  }

  /* ---------------------------------------------------------------- facilitation network */
  const SOURCE_STYLES = [
    { color: "#1f5f99", line: "solid", dash: null },
    { color: "#d9822b", line: "dashed", dash: "8,4" },
    { color: "#2e8b57", line: "dotted", dash: "2,3" },
    { color: "#8e44ad", line: "dashed", dash: "4,2" },
    { color: "#c0392b", line: "dotted", dash: "1,2" },
  ];

  async function facilitation(el) {
    status(el, "Loading the facilitation roles …");
    const rows = await sparql(`
SELECT ?f ?line ?lineLabel ?lineCode ?heading ?org ?orgLabel ?acronym ?status ?statusLabel ?byLabel ?roleLabel WHERE {
  ?f a wsis:Facilitation ; wsis:agent ?org .
  { ?f wsis:actionLine ?line } UNION { ?f wsis:planSection ?line }
  OPTIONAL { ?f wsis:status ?status OPTIONAL { ?status rdfs:label ?statusLabel } }
  OPTIONAL { ?f wsis:proposedBy ?by OPTIONAL { ?by skos:prefLabel ?byLabel FILTER(lang(?byLabel) IN ("en", "")) } }
  OPTIONAL { ?f wsis:role ?role OPTIONAL { ?role rdfs:label ?roleLabel } }
  OPTIONAL { ?line skos:notation ?lineCode }
  OPTIONAL { ?line skos:prefLabel ?lineLabel FILTER(lang(?lineLabel) IN ("en", "")) }
  OPTIONAL { ?line wsis:heading ?heading }
  OPTIONAL { ?org skos:prefLabel ?orgLabel FILTER(lang(?orgLabel) IN ("en", "")) }
  OPTIONAL { ?org wsis:acronym ?acronym }
}`);
    const facs = uniqueBy(rows, "f");
    if (!facs.length) { status(el, "The graph has no facilitation roles yet."); el.dataset.rendered = "0"; return; }
    // one "source" per adopted set and per proposal, from the IRI pattern id/facilitation/{source}/…
    const sourceOf = (r) => {
      const m = r.f.match(/\/facilitation\/([^/]+)\//);
      if (m) return m[1];
      return (r.status && tail(r.status).toLowerCase()) || "unknown";
    };
    const sources = [...new Set(facs.map(sourceOf))].sort((a, b) =>
      (a === "adopted" ? -1 : b === "adopted" ? 1 : natural(a, b)));
    const srcInfo = {};
    sources.forEach((s, i) => {
      const by = facs.find((r) => sourceOf(r) === s && r.byLabel);
      const label = s === "adopted" ? "Adopted (ITU brochure table)"
        : `Proposed: ${s.replace(/^annex-(\w)$/, (m, c) => "Annex " + c.toUpperCase())}` + (by ? ` (${by.byLabel})` : "");
      srcInfo[s] = { label: label, ...SOURCE_STYLES[i % SOURCE_STYLES.length] };
    });
    const lines = new Map(), orgs = new Map();
    for (const r of facs) {
      if (!lines.has(r.line)) {
        const code = r.lineCode || tail(r.line);
        const name = r.lineLabel || r.heading || "";
        let label = name && !code.toLowerCase().includes(name.toLowerCase()) ? `${code} ${name}` : code;
        if (label.length > 34) label = label.slice(0, 32) + "…";
        lines.set(r.line, { iri: r.line, code: code, label: label });
      }
      if (!orgs.has(r.org)) orgs.set(r.org, { iri: r.org, label: r.acronym || r.orgLabel || tail(r.org), links: [] });
    }
    const lineList = [...lines.values()].sort((a, b) => natural(a.code, b.code));
    lineList.forEach((l, i) => { l.y = i; });
    for (const r of facs) orgs.get(r.org).links.push(lines.get(r.line).y);
    const orgList = [...orgs.values()].sort((a, b) => {
      const ma = a.links.reduce((x, y) => x + y, 0) / a.links.length;
      const mb = b.links.reduce((x, y) => x + y, 0) / b.links.length;
      return ma - mb || natural(a.label, b.label);
    });
    const step = 30, width = 420;
    const scaleL = step, scaleO = (lineList.length - 1) * step / Math.max(1, orgList.length - 1);
    const elements = [];
    lineList.forEach((l) => elements.push({ group: "nodes", classes: "line",
      data: { id: l.iri, iri: l.iri, label: l.label }, position: { x: 0, y: l.y * scaleL } }));
    orgList.forEach((o, i) => elements.push({ group: "nodes", classes: "org",
      data: { id: o.iri, iri: o.iri, label: o.label },
      position: { x: width, y: orgList.length > lineList.length ? i * step : i * scaleO } }));
    facs.forEach((r) => {
      const s = srcInfo[sourceOf(r)];
      elements.push({ group: "edges", data: { id: r.f, source: r.line, target: r.org, src: sourceOf(r),
        color: s.color, line: s.line, role: r.roleLabel || "" } });
    });
    el.innerHTML = "";
    const cy = cytoscape({
      container: el, elements: elements, layout: { name: "preset", fit: true, padding: 30 },
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 11, "text-valign": "center",
          "width": 14, "height": 14, "background-color": "#888" } },
        { selector: "node.line", style: { "shape": "round-rectangle", "background-color": "#1f5f99",
          "text-halign": "left", "text-margin-x": -6 } },
        { selector: "node.org", style: { "shape": "ellipse", "background-color": "#d9822b",
          "text-halign": "right", "text-margin-x": 6 } },
        { selector: "edge", style: { "width": 2, "line-color": "data(color)", "line-style": "data(line)",
          "curve-style": "bezier", "opacity": 0.8 } },
        { selector: "node:selected, node.hl", style: { "border-width": 3, "border-color": "#000" } },
        { selector: "edge.hl", style: { "width": 4, "opacity": 1 } },
      ],
    });
    cy.on("mouseover", "node", (ev) => { ev.target.addClass("hl"); ev.target.connectedEdges().addClass("hl"); });
    cy.on("mouseout", "node", (ev) => { ev.target.removeClass("hl"); ev.target.connectedEdges().removeClass("hl"); });
    openOnTap(cy);
    const legend = document.getElementById(el.id + "-legend");
    if (legend) {
      legend.innerHTML = "";
      sources.forEach((s) => {
        const info = srcInfo[s];
        const lab = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox"; box.checked = true; box.dataset.source = s;
        box.addEventListener("change", () => {
          cy.edges().filter((e) => e.data("src") === s).style("display", box.checked ? "element" : "none");
        });
        lab.append(box, swatch(info.color, info.dash),
          document.createTextNode(`${info.label} (${facs.filter((r) => sourceOf(r) === s).length})`));
        legend.appendChild(lab);
      });
    }
    (window.wsisPictures = window.wsisPictures || {}).facilitation = cy;
    el.dataset.rendered = String(facs.length);
  }

  /* ---------------------------------------------------------------- citation network */
  async function citations(el) {
    status(el, "Loading the citations …");
    const edges = await sparql(`
SELECT ?from ?to (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?cp rdfs:subPropertyOf* wsis:cites .
  ?p ?cp ?target .
  OPTIONAL { ?p wsis:inDocument ?pd }
  OPTIONAL { ?target wsis:inDocument ?td }
  BIND(COALESCE(?pd, ?p) AS ?from)
  BIND(COALESCE(?td, ?target) AS ?to)
  FILTER(?from != ?to)
} GROUP BY ?from ?to`);
    if (!edges.length) { status(el, "The graph has no citations yet."); el.dataset.rendered = "0"; return; }
    const ids = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
    const info = await sparql(`
SELECT ?d ?symbol ?title ?date ?year ?isRes WHERE {
  VALUES ?d { ${ids.map((i) => `<${i}>`).join(" ")} }
  OPTIONAL { ?d wsis:symbol ?symbol }
  OPTIONAL { ?d dcterms:title ?title }
  OPTIONAL { ?d wsis:adoptionDate|dcterms:issued|dcterms:date ?date }
  OPTIONAL { ?d wsis:year ?year }
  BIND(EXISTS { ?d a wsis:Resolution } AS ?isRes)
}`);
    const nodes = new Map();
    for (const r of info) {
      if (nodes.has(r.d)) continue;
      const y = (r.date || r.year || "").slice(0, 4);
      const title = r.title || "";
      nodes.set(r.d, { iri: r.d, year: /^\d{4}$/.test(y) ? +y : null,
        label: r.symbol || (title.length > 38 ? title.slice(0, 36) + "…" : title) || tail(r.d),
        res: r.isRes === "true" || r.isRes === "1" });
    }
    ids.forEach((i) => { if (!nodes.has(i)) nodes.set(i, { iri: i, year: null, label: tail(i), res: false }); });
    const years = [...new Set([...nodes.values()].map((n) => n.year).filter((y) => y !== null))].sort();
    // time runs downwards: one row per year (undated documents in the last row)
    const colW = 150, rowH = 70;
    const rowOf = (n) => (n.year === null ? years.length : years.indexOf(n.year));
    const perRow = {};
    const elements = [];
    [...nodes.values()].sort((a, b) => natural(a.label, b.label)).forEach((n) => {
      const r = rowOf(n);
      perRow[r] = (perRow[r] || 0) + 1;
      elements.push({ group: "nodes", classes: n.res ? "res" : "doc",
        data: { id: n.iri, iri: n.iri, label: n.label },
        position: { x: perRow[r] * colW, y: r * rowH + (perRow[r] % 2) * 14 } });
    });
    const hasUndated = perRow[years.length] > 0;
    (hasUndated ? [...years, "undated"] : years).forEach((y, r) => {
      elements.push({ group: "nodes", classes: "year", data: { id: "year-" + y, label: String(y) },
        position: { x: 0, y: r * rowH + 7 }, selectable: false, grabbable: false });
    });
    edges.forEach((e, i) => elements.push({ group: "edges",
      data: { id: "c" + i, source: e.from, target: e.to, n: +e.n } }));
    el.innerHTML = "";
    const cy = cytoscape({
      container: el, elements: elements, layout: { name: "preset", fit: true, padding: 30 },
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 11, "text-valign": "bottom",
          "text-margin-y": 3, "width": 16, "height": 16 } },
        { selector: "node.res", style: { "background-color": "#1f5f99" } },
        { selector: "node.doc", style: { "background-color": "#d9822b", "shape": "round-rectangle" } },
        { selector: "node.year", style: { "background-opacity": 0, "font-size": 14, "font-weight": "bold",
          "text-valign": "center", "color": "#444" } },
        { selector: "edge", style: { "width": "mapData(n, 1, 10, 1, 6)", "line-color": "#999",
          "target-arrow-color": "#999", "target-arrow-shape": "triangle", "curve-style": "bezier",
          "opacity": 0.7 } },
        { selector: "edge.hl", style: { "line-color": "#c0392b", "target-arrow-color": "#c0392b", "opacity": 1 } },
      ],
    });
    cy.on("mouseover", "node", (ev) => ev.target.connectedEdges().addClass("hl"));
    cy.on("mouseout", "node", (ev) => ev.target.connectedEdges().removeClass("hl"));
    openOnTap(cy);
    const legend = document.getElementById(el.id + "-legend");
    if (legend) {
      legend.innerHTML = `<span><span style="color:#1f5f99">●</span> resolution</span>
        <span><span style="color:#d9822b">■</span> other document</span>
        <span>→ cites (${edges.length} links)</span>`;
    }
    (window.wsisPictures = window.wsisPictures || {}).citations = cy;
    el.dataset.rendered = String(edges.length);
  }

  /* ---------------------------------------------------------------- timeline (SVG) */
  async function timeline(el) {
    status(el, "Loading the events …");
    const rows = await sparql(`
SELECT ?e ?label ?start ?end ?year ?typeLabel ?placeLabel WHERE {
  ?e a/rdfs:subClassOf* wsis:Event .
  OPTIONAL { ?e skos:prefLabel|rdfs:label ?label }
  OPTIONAL { ?e wsis:startDate ?start }
  OPTIONAL { ?e wsis:endDate ?end }
  OPTIONAL { ?e wsis:year ?year }
  OPTIONAL { ?e a ?type . ?type rdfs:subClassOf+ wsis:Event ; rdfs:label ?typeLabel }
  OPTIONAL { ?e wsis:place ?place . ?place rdfs:label|skos:prefLabel ?placeLabel }
}`);
    const events = uniqueBy(rows, "e").map((r) => {
      const s = r.start || (r.year ? r.year.slice(0, 4) + "-07-01" : null);
      const t0 = s ? Date.parse(s.slice(0, 10)) : NaN;
      const t1 = r.end ? Date.parse(r.end.slice(0, 10)) : t0;
      return { iri: r.e, label: r.label || tail(r.e), lane: r.typeLabel || "Event",
        place: r.placeLabel || "", t0: t0, t1: isNaN(t1) ? t0 : t1, when: (r.start || r.year || "").slice(0, 10) };
    }).filter((e) => !isNaN(e.t0)).sort((a, b) => a.t0 - b.t0);
    if (!events.length) { status(el, "The graph has no dated events yet."); el.dataset.rendered = "0"; return; }
    const y0 = new Date(events[0].t0).getUTCFullYear();
    const y1 = new Date(Math.max(...events.map((e) => e.t1))).getUTCFullYear() + 1;
    const pxPerYear = Math.max(70, Math.min(160, (el.clientWidth - 60) / Math.max(1, y1 - y0)));
    const left = 20, X = (t) => left + ((t - Date.UTC(y0, 0, 1)) / (365.25 * 864e5)) * pxPerYear;
    const lanes = [...new Set(events.map((e) => e.lane))].sort(natural);
    const rowH = 18, laneGap = 30;
    const svg = document.createElementNS(SVGNS, "svg");
    let y = 40;
    const parts = [];
    for (const lane of lanes) {
      const rowsEnd = [];  // right edge of the last label in each row
      const items = events.filter((e) => e.lane === lane);
      const placed = items.map((e) => {
        const x = X(e.t0), w = Math.max(6, X(e.t1) - x), textW = e.label.length * 6.6 + 16;
        let row = rowsEnd.findIndex((end) => end < x);
        if (row < 0) { row = rowsEnd.length; rowsEnd.push(0); }
        rowsEnd[row] = x + w + textW;
        return { e: e, x: x, w: w, row: row };
      });
      parts.push({ lane: lane, y: y, placed: placed, height: rowsEnd.length * rowH });
      y += rowsEnd.length * rowH + laneGap;
    }
    const width = X(Date.UTC(y1, 0, 1)) + 40 + 200;
    svg.setAttribute("width", String(width)); svg.setAttribute("height", String(y));
    svg.setAttribute("viewBox", `0 0 ${width} ${y}`);
    svg.setAttribute("role", "img"); svg.setAttribute("aria-label", "Timeline of WSIS events");
    const mk = (name, attrs, text) => {
      const n = document.createElementNS(SVGNS, name);
      for (const k in attrs) n.setAttribute(k, attrs[k]);
      if (text !== undefined) n.textContent = text;
      return n;
    };
    for (let yr = y0; yr <= y1; yr++) {
      const x = X(Date.UTC(yr, 0, 1));
      svg.appendChild(mk("line", { x1: x, x2: x, y1: 20, y2: y, stroke: "#e3e3e3" }));
      svg.appendChild(mk("text", { x: x + 3, y: 16, fill: "#444", "font-weight": "bold" }, String(yr)));
    }
    parts.forEach((p, i) => {
      svg.appendChild(mk("rect", { x: 0, y: p.y - 14, width: width, height: p.height + 18,
        fill: i % 2 ? "#fafafa" : "#f2f6fa" }));
      svg.appendChild(mk("text", { x: 4, y: p.y - 2, fill: "#1f5f99", "font-weight": "bold" }, p.lane));
      for (const it of p.placed) {
        const a = mk("a", { href: localHref(it.e.iri) });
        const cy = p.y + 10 + it.row * rowH;
        a.appendChild(mk("title", {}, `${it.e.label} (${it.e.when}${it.e.place ? ", " + it.e.place : ""})`));
        a.appendChild(mk("rect", { x: it.x, y: cy - 5, width: it.w, height: 10, rx: 4, fill: "#d9822b" }));
        a.appendChild(mk("text", { x: it.x + it.w + 4, y: cy + 4, fill: "#222" }, it.e.label));
        svg.appendChild(a);
      }
    });
    el.innerHTML = "";
    el.appendChild(svg);
    el.dataset.rendered = String(events.length);
  }

  const DRAW = { facilitation: facilitation, citations: citations, timeline: timeline };
  document.querySelectorAll("[data-picture]").forEach((el) => {
    const draw = DRAW[el.dataset.picture];
    if (!draw) return;
    draw(el).catch((err) => {
      status(el, "Could not draw this picture: " + err.message, "picture-error");
      el.dataset.rendered = "error";
    });
  });
})();
