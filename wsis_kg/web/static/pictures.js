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

  function h(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const k in attrs || {}) n.setAttribute(k, attrs[k]);
    n.append(...children.filter((c) => c !== null && c !== undefined));
    return n;
  }
  const LABEL_FONT = 13;  // px on screen: every label is drawn at zoom 1, so this is its size
  const FONT = `${LABEL_FONT}px system-ui, "DejaVu Sans", sans-serif`;
  const ctx2d = document.createElement("canvas").getContext("2d");
  function textWidth(text, font) { ctx2d.font = font || FONT; return ctx2d.measureText(text).width; }
  /* Words of `text` in lines no wider than `max` px (a word longer than that stays whole). */
  function wrap(text, max, font) {
    const lines = [];
    let line = "";
    for (const word of text.split(/\s+/)) {
      const next = line ? line + " " + word : word;
      if (line && textWidth(next, font) > max) { lines.push(line); line = word; } else line = next;
    }
    if (line) lines.push(line);
    return lines;
  }
  function labelStyle(maxWidth) {
    return { "label": "data(label)", "font-size": LABEL_FONT, "font-family": "system-ui, DejaVu Sans, sans-serif",
      "color": "#222", "text-wrap": "wrap", "text-max-width": maxWidth, "min-zoomed-font-size": 0 };
  }
  /* Cytoscape at zoom 1 with the container as tall as the drawing: labels keep their size at
     any width (the page scrolls down, never sideways). */
  function fixedZoom(cy, el, height) {
    el.style.height = Math.max(160, Math.ceil(height)) + "px";
    cy.resize();
    cy.zoom(1);
    cy.pan({ x: 0, y: 0 });
  }

  /* ---------------------------------------------------------------- facilitation network */
  // adopted roles are solid lines, proposed ones dashed or dotted, one colour per source
  const SOURCE_STYLES = [
    { color: "#1f5f99", line: "solid", dash: null },
    { color: "#b35c00", line: "dashed", dash: "8,4" },
    { color: "#1b6b3a", line: "dotted", dash: "2,3" },
    { color: "#7d3c98", line: "dashed", dash: "4,2" },
    { color: "#a93226", line: "dotted", dash: "1,2" },
  ];
  // thicker lines for the leading roles
  const ROLE_WIDTH = { "lead facilitator": 5, "co-ordinator": 3, "facilitator": 3 };

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
        const label = name && !code.toLowerCase().includes(name.toLowerCase()) ? `${code} ${name}` : code;
        lines.set(r.line, { iri: r.line, code: code, label: label });
      }
      if (!orgs.has(r.org)) {
        const name = r.orgLabel || tail(r.org);
        orgs.set(r.org, { iri: r.org, label: r.acronym || name, name: name });
      }
    }
    const lineList = [...lines.values()].sort((a, b) => natural(a.code, b.code));
    const orgList = [...orgs.values()].sort((a, b) => natural(a.label, b.label));
    const edges = facs.map((r) => {
      const s = srcInfo[sourceOf(r)];
      const role = r.roleLabel || "";
      return { group: "edges", data: { id: r.f, source: r.line, target: r.org, src: sourceOf(r),
        color: s.color, line: s.line, role: role, width: ROLE_WIDTH[role] || 2,
        status: r.statusLabel || (sourceOf(r) === "adopted" ? "adopted" : "proposed") } };
    });
    el.innerHTML = "";
    const cy = cytoscape({
      container: el, userZoomingEnabled: false, userPanningEnabled: false, boxSelectionEnabled: false,
      elements: [
        ...lineList.map((l) => ({ group: "nodes", classes: "line", data: { id: l.iri, iri: l.iri, label: l.label } })),
        ...orgList.map((o) => ({ group: "nodes", classes: "org", data: { id: o.iri, iri: o.iri, label: o.label, name: o.name } })),
        ...edges,
      ],
      layout: { name: "preset" },
      style: [
        { selector: "node", style: { ...labelStyle(200), "text-valign": "center", "width": 14, "height": 14 } },
        { selector: "node.line", style: { "shape": "round-rectangle", "background-color": "#1f5f99",
          "text-halign": "left", "text-justification": "right", "text-margin-x": -8 } },
        { selector: "node.org", style: { "shape": "ellipse", "background-color": "#b35c00",
          "text-halign": "right", "text-justification": "left", "text-margin-x": 8 } },
        { selector: "edge", style: { "width": "data(width)", "line-color": "data(color)", "line-style": "data(line)",
          "curve-style": "bezier", "opacity": 0.85 } },
        { selector: "node:selected, node.hl", style: { "border-width": 3, "border-color": "#000" } },
        { selector: "edge.hl", style: { "opacity": 1, "z-index": 10 } },
      ],
    });
    cy.on("mouseover", "node", (ev) => { ev.target.addClass("hl"); ev.target.connectedEdges().addClass("hl"); });
    cy.on("mouseout", "node", (ev) => { ev.target.removeClass("hl"); ev.target.connectedEdges().removeClass("hl"); });
    openOnTap(cy);

    // filters: per source (legend checkboxes), per action line, per organisation. All 101 roles
    // at once are a hairball; the picture opens on the adopted ones, the whole network one
    // click away (the button, or a box per proposal).
    const opening = sources.includes("adopted") ? ["adopted"] : sources;
    const shown = new Set(opening);
    const filter = { line: "", org: "" };
    const controls = h("div", { class: "picture-filters" });
    const boxes = [];
    const whole = h("button", { type: "button", id: el.id + "-all", "aria-pressed": "false" });
    const wholeText = () => {
      const all = shown.size === sources.length;
      whole.textContent = all ? `Show the adopted roles only (${facs.filter((r) => opening.includes(sourceOf(r))).length})`
        : `Show the whole network: all ${facs.length} roles, adopted and proposed`;
      whole.setAttribute("aria-pressed", String(all));
    };
    whole.addEventListener("click", () => {
      const all = shown.size !== sources.length;
      shown.clear();
      (all ? sources : opening).forEach((s) => shown.add(s));
      boxes.forEach((b) => { b.checked = shown.has(b.dataset.source); });
      redraw();
    });
    const pick = (id, label, allLabel, items, key) => {
      const sel = h("select", { id: id });
      sel.append(h("option", { value: "" }, allLabel), ...items.map((i) => h("option", { value: i.iri }, i.label === i.name || !i.name ? i.label : `${i.label} (${i.name})`)));
      sel.addEventListener("change", () => { filter[key] = sel.value; redraw(); });
      controls.append(h("label", { for: id }, label + " ", sel));
    };
    pick(el.id + "-line", "Action line", "all action lines", lineList, "line");
    pick(el.id + "-org", "Organisation", "all organisations", orgList, "org");
    if (opening.length < sources.length) controls.append(whole);
    const legend = document.getElementById(el.id + "-legend");
    (legend || el).before(controls);
    if (legend) {
      legend.innerHTML = "";
      sources.forEach((s) => {
        const info = srcInfo[s];
        const box = h("input", { type: "checkbox" });
        box.checked = shown.has(s); box.dataset.source = s;
        boxes.push(box);
        box.addEventListener("change", () => { if (box.checked) shown.add(s); else shown.delete(s); redraw(); });
        legend.appendChild(h("label", {}, box, swatch(info.color, info.dash),
          document.createTextNode(`${info.label} (${facs.filter((r) => sourceOf(r) === s).length})`)));
      });
      legend.appendChild(h("span", { class: "small" }, "Thicker line: lead facilitator, co-ordinator or facilitator; thin: co-facilitator or focal point."));
    }
    const tableBox = h("div", { class: "table-box" });
    const details = h("details", { class: "picture-table" }, h("summary", {}, "The roles shown, as a table"), tableBox);
    el.after(details);

    function place() {
      const visible = cy.edges().filter((e) => e.style("display") !== "none");
      const ls = lineList.filter((l) => visible.some((e) => e.data("source") === l.iri));
      const os = orgList.filter((o) => visible.some((e) => e.data("target") === o.iri));
      cy.nodes().style("display", "none");
      const rolesOf = (iri, end) => {
        const seen = new Map();
        visible.filter((e) => e.data(end) === iri).forEach((e) => {
          const k = `${e.data("role") || "role"} (${e.data("status")})`;
          seen.set(k, (seen.get(k) || 0) + 1);
        });
        return [...seen].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join("; ");
      };
      for (const l of ls) l.shown = filter.org ? `${l.label}: ${rolesOf(l.iri, "source")}` : l.label;
      for (const o of os) o.shown = filter.line ? `${o.label}: ${rolesOf(o.iri, "target")}` : o.label;
      [...ls, ...os].forEach((n) => cy.getElementById(n.iri).data("label", n.shown));
      const W = el.clientWidth;
      const labelW = Math.max(100, Math.min(240, (W - 90) / 2 - 12));
      const gap = Math.max(50, Math.min(420, W - 2 * labelW - 40));
      const lx = Math.max(labelW + 14, (W - gap) / 2), ox = lx + gap;
      cy.style().selector("node").style("text-max-width", labelW).update();
      const heightOf = (label) => wrap(label, labelW).length * (LABEL_FONT + 3) + 10;
      const stack = (list, x) => {
        let y = 16;
        return list.map((n) => { const hh = Math.max(30, heightOf(n.shown)); const p = { n: n, x: x, y: y + hh / 2 }; y += hh; return p; }).concat([{ end: y }]);
      };
      // average position of each organisation's action lines: fewer crossings
      const lp = stack(ls, lx);
      const lineY = new Map(lp.filter((p) => p.n).map((p) => [p.n.iri, p.y]));
      const mean = (o) => { const ys = visible.filter((e) => e.data("target") === o.iri).map((e) => lineY.get(e.data("source"))); return ys.reduce((a, b) => a + b, 0) / ys.length; };
      const op = stack([...os].sort((a, b) => mean(a) - mean(b) || natural(a.label, b.label)), ox);
      const height = Math.max(lp[lp.length - 1].end, op[op.length - 1].end) + 16;
      // spread the shorter column over the height of the longer one
      for (const col of [lp, op]) {
        const end = col[col.length - 1].end, k = (height - 32) / Math.max(1, end - 16);
        for (const p of col) if (p.n) cy.getElementById(p.n.iri).style("display", "element").position({ x: p.x, y: 16 + (p.y - 16) * Math.max(1, k) });
      }
      fixedZoom(cy, el, height);
    }
    function table(visible) {
      const tb = h("tbody");
      visible.sort((a, b) => natural(lines.get(a.data("source")).code, lines.get(b.data("source")).code)).forEach((e) => {
        const l = lines.get(e.data("source")), o = orgs.get(e.data("target"));
        tb.append(h("tr", {}, h("td", {}, h("a", { href: localHref(l.iri) }, l.label)),
          h("td", {}, h("a", { href: localHref(o.iri) }, o.name === o.label ? o.label : `${o.label} (${o.name})`)),
          h("td", {}, e.data("role")), h("td", {}, e.data("status")), h("td", {}, srcInfo[e.data("src")].label)));
      });
      tableBox.innerHTML = "";
      tableBox.append(h("table", { class: "roles" }, h("thead", {}, h("tr", {}, ...["Action line", "Organisation", "Role", "Status", "Source"].map((c) => h("th", { scope: "col" }, c)))), tb));
    }
    function redraw() {
      cy.edges().forEach((e) => {
        const on = shown.has(e.data("src")) && (!filter.line || e.data("source") === filter.line) && (!filter.org || e.data("target") === filter.org);
        e.style("display", on ? "element" : "none");
      });
      place();
      const visible = cy.edges().filter((e) => e.style("display") !== "none");
      table(visible.toArray());
      el.dataset.shown = String(visible.length);
      wholeText();
      el.setAttribute("aria-label", `Network of ${visible.length} facilitation roles between action lines and organisations; the table below lists them`);
    }
    redraw();
    let lastW = el.clientWidth;
    window.addEventListener("resize", () => { if (el.clientWidth !== lastW) { lastW = el.clientWidth; place(); } });
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
SELECT ?d ?symbol ?title ?label ?date ?year ?isRes WHERE {
  VALUES ?d { ${ids.map((i) => `<${i}>`).join(" ")} }
  OPTIONAL { ?d wsis:symbol ?symbol }
  OPTIONAL { ?d dcterms:title ?title }
  OPTIONAL { ?d skos:prefLabel|rdfs:label ?label }
  OPTIONAL { ?d wsis:adoptionDate|dcterms:issued|dcterms:date ?date }
  OPTIONAL { ?d wsis:year ?year }
  BIND(EXISTS { ?d a wsis:Resolution } AS ?isRes)
}`);
    const nodes = new Map();
    for (const r of info) {
      const n = nodes.get(r.d) || { iri: r.d, res: r.isRes === "true" || r.isRes === "1" };
      n.symbol = n.symbol || r.symbol; n.title = n.title || r.label || r.title;
      n.date = n.date || r.date; n.yearText = n.yearText || r.year;
      nodes.set(r.d, n);
    }
    ids.forEach((i) => { if (!nodes.has(i)) nodes.set(i, { iri: i, res: false }); });
    for (const n of nodes.values()) {
      const when = (n.date || n.yearText || "").slice(0, 10);
      n.year = /^\d{4}/.test(when) ? +when.slice(0, 4) : null;
      n.name = n.symbol || n.title || tail(n.iri);
      n.label = n.name + "\n" + (when || "undated");
    }
    const years = [...new Set([...nodes.values()].map((n) => n.year).filter((y) => y !== null))].sort();
    el.innerHTML = "";
    const elements = [...nodes.values()].map((n) => ({ group: "nodes", classes: n.res ? "res" : "doc",
      data: { id: n.iri, iri: n.iri, label: n.label, title: n.title || "" } }));
    edges.forEach((e, i) => elements.push({ group: "edges", data: { id: "c" + i, source: e.from, target: e.to, n: +e.n } }));
    const cy = cytoscape({
      container: el, elements: elements, layout: { name: "preset" },
      userZoomingEnabled: false, userPanningEnabled: false, boxSelectionEnabled: false,
      style: [
        { selector: "node", style: { ...labelStyle(140), "text-valign": "bottom", "text-margin-y": 3,
          "width": 16, "height": 16 } },
        { selector: "node.res", style: { "background-color": "#1f5f99" } },
        { selector: "node.doc", style: { "background-color": "#b35c00", "shape": "round-rectangle" } },
        { selector: "node.year", style: { ...labelStyle(60), "background-opacity": 0, "font-weight": "bold",
          "text-valign": "center", "text-halign": "right", "width": 1, "height": 1 } },
        { selector: "edge", style: { "width": "mapData(n, 1, 10, 1, 6)", "line-color": "#8a8a8a",
          "target-arrow-color": "#8a8a8a", "target-arrow-shape": "triangle", "curve-style": "bezier",
          "opacity": 0.7 } },
        { selector: "edge.hl", style: { "line-color": "#c0392b", "target-arrow-color": "#c0392b", "opacity": 1 } },
      ],
    });
    cy.on("mouseover", "node", (ev) => ev.target.connectedEdges().addClass("hl"));
    cy.on("mouseout", "node", (ev) => ev.target.connectedEdges().removeClass("hl"));
    openOnTap(cy);
    // one band per year (time runs downwards), undated documents last; a band wraps into as
    // many rows as the width needs
    function place() {
      cy.remove("node.year");
      const widest = Math.max(...[...nodes.values()].map((n) => Math.min(200, textWidth(n.name))));
      const W = el.clientWidth, left = 58, colW = Math.max(110, widest + 18);
      cy.style().selector("node.res, node.doc").style("text-max-width", colW - 12).update();
      const perRow = Math.max(1, Math.floor((W - left - 10) / colW));
      const bands = [...years, null];
      let y = 20;
      const rowH = Math.max(70, Math.max(...[...nodes.values()].map((n) =>
        n.label.split("\n").reduce((k, part) => k + wrap(part, colW - 12).length, 0))) * (LABEL_FONT + 3) + 30);
      const yearNodes = [];
      for (const [band, yr] of bands.entries()) {
        const members = [...nodes.values()].filter((n) => n.year === yr).sort((a, b) => natural(a.name, b.name));
        if (!members.length) continue;
        yearNodes.push({ group: "nodes", classes: "year", data: { id: "year-" + yr, label: yr === null ? "undated" : String(yr) },
          position: { x: 6, y: y }, selectable: false, grabbable: false });
        members.forEach((n, i) => {
          // a band starts one column further right than the one before: fewer arrows run
          // straight through other nodes
          const row = Math.floor(i / perRow), col = (i + band) % perRow;
          cy.getElementById(n.iri).position({ x: left + colW / 2 + col * colW, y: y + row * rowH + (col % 2) * 8 });
        });
        y += Math.ceil(members.length / perRow) * rowH + 20;
      }
      cy.add(yearNodes);
      fixedZoom(cy, el, y + 10);
    }
    place();
    let lastW = el.clientWidth;
    window.addEventListener("resize", () => { if (el.clientWidth !== lastW) { lastW = el.clientWidth; place(); } });
    const legend = document.getElementById(el.id + "-legend");
    if (legend) {
      legend.innerHTML = "";
      legend.append(h("span", {}, swatchShape("#1f5f99", false), " resolution"),
        h("span", {}, swatchShape("#b35c00", true), " other document"),
        h("span", {}, `→ cites (${edges.length} links); each node: symbol and date of adoption`));
    }
    (window.wsisPictures = window.wsisPictures || {}).citations = cy;
    el.dataset.rendered = String(edges.length);
  }
  function swatchShape(color, square) {
    const svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", "12"); svg.setAttribute("height", "12"); svg.setAttribute("aria-hidden", "true");
    const s = document.createElementNS(SVGNS, square ? "rect" : "circle");
    if (square) { s.setAttribute("width", "12"); s.setAttribute("height", "12"); s.setAttribute("rx", "2"); }
    else { s.setAttribute("cx", "6"); s.setAttribute("cy", "6"); s.setAttribute("r", "6"); }
    s.setAttribute("fill", color);
    svg.appendChild(s);
    return svg;
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
    const all = uniqueBy(rows, "e").map((r) => {
      const s = r.start || (r.year ? r.year.slice(0, 4) + "-07-01" : null);
      const t0 = s ? Date.parse(s.slice(0, 10)) : NaN;
      const t1 = r.end ? Date.parse(r.end.slice(0, 10)) : t0;
      return { iri: r.e, label: r.label || tail(r.e), lane: r.typeLabel || "Event",
        place: r.placeLabel || "", t0: t0, t1: isNaN(t1) ? t0 : t1, when: (r.start || r.year || "").slice(0, 10) };
    });
    const events = all.filter((e) => !isNaN(e.t0)).sort((a, b) => a.t0 - b.t0);
    const undated = all.filter((e) => isNaN(e.t0)).sort((a, b) => natural(a.label, b.label));
    // the undated ones are listed under the picture, not dropped
    const listId = el.id + "-undated";
    document.getElementById(listId)?.remove();
    if (undated.length) {
      const ul = h("ul", {}, ...undated.map((e) => h("li", {}, h("a", { href: localHref(e.iri) }, e.label),
        e.lane !== "Event" ? ` (${e.lane})` : "")));
      el.after(h("div", { id: listId, class: "undated" },
        h("h3", {}, `Events without a date in the graph (${undated.length})`), ul));
    }
    if (!events.length) { status(el, "The graph has no dated events yet."); el.dataset.rendered = "0"; return; }
    const draw = () => drawTimeline(el, events);
    draw();
    let lastW = el.clientWidth;
    window.addEventListener("resize", () => { if (el.clientWidth !== lastW) { lastW = el.clientWidth; draw(); } });
    el.dataset.rendered = String(events.length);
    el.dataset.undated = String(undated.length);
  }

  function drawTimeline(el, events) {
    const font = `12px system-ui, "DejaVu Sans", sans-serif`, lineH = 15;
    const W = Math.max(280, el.clientWidth - 2);
    const y0 = new Date(events[0].t0).getUTCFullYear();
    const y1 = new Date(Math.max(...events.map((e) => e.t1))).getUTCFullYear() + 1;
    const left = 10, right = 10;
    const pxPerYear = Math.min(160, (W - left - right) / Math.max(1, y1 - y0));
    const X = (t) => left + ((t - Date.UTC(y0, 0, 1)) / (365.25 * 864e5)) * pxPerYear;
    const lanes = [...new Set(events.map((e) => e.lane))].sort(natural);
    const laneGap = 34;
    let y = 40;
    const parts = [];
    for (const lane of lanes) {
      const rowsUsed = [];  // per row: [from, to] spans taken
      let rowY = [];        // per row: its top
      let bottom = y;
      for (const e of events.filter((ev) => ev.lane === lane)) {
        const x = X(e.t0), w = Math.max(6, X(e.t1) - x);
        // the label goes right of the bar, else left of it, else wrapped on the wider side
        const tw = textWidth(e.label, font);
        let lx, anchor = "start", lines = [e.label];
        if (x + w + 4 + tw <= W - right) lx = x + w + 4;
        else if (x - 4 - tw >= left) { lx = x - 4; anchor = "end"; }
        else if (W - right - (x + w + 4) >= x - 4 - left) { lx = x + w + 4; lines = wrap(e.label, W - right - lx, font); }
        else { lx = x - 4; anchor = "end"; lines = wrap(e.label, lx - left, font); }
        const from = Math.min(x, anchor === "end" ? lx - Math.max(...lines.map((l) => textWidth(l, font))) : x) - 6;
        const to = Math.max(x + w, anchor === "start" ? lx + Math.max(...lines.map((l) => textWidth(l, font))) : x + w) + 6;
        const hgt = lines.length * lineH + 4;
        let row = -1;
        if (lines.length === 1) row = rowsUsed.findIndex((spans, i) => rowY[i].h === hgt && spans.every(([a, b]) => to < a || from > b));
        if (row < 0) { row = rowsUsed.length; rowsUsed.push([]); rowY.push({ top: bottom, h: hgt }); bottom += hgt; }
        rowsUsed[row].push([from, to]);
        e.place_ = { x: x, w: w, lx: lx, anchor: anchor, lines: lines, top: rowY[row].top };
      }
      parts.push({ lane: lane, y: y, height: bottom - y });
      y = bottom + laneGap;
    }
    const width = W;
    const svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", String(width)); svg.setAttribute("height", String(y));
    svg.setAttribute("viewBox", `0 0 ${width} ${y}`);
    svg.setAttribute("role", "group"); svg.setAttribute("aria-label", "Timeline of WSIS events by kind and date");
    const mk = (name, attrs, text) => {
      const n = document.createElementNS(SVGNS, name);
      for (const k in attrs) n.setAttribute(k, attrs[k]);
      if (text !== undefined) n.textContent = text;
      return n;
    };
    const step = pxPerYear < 40 ? Math.ceil(40 / pxPerYear) : 1;
    for (let yr = y0; yr <= y1; yr++) {
      const x = X(Date.UTC(yr, 0, 1));
      svg.appendChild(mk("line", { x1: x, x2: x, y1: 20, y2: y, stroke: "#e3e3e3" }));
      if ((yr - y0) % step === 0 && x + textWidth(String(yr), "bold " + font) + 5 <= width) {
        svg.appendChild(mk("text", { x: x + 3, y: 16, fill: "#444", "font-weight": "bold" }, String(yr)));
      }
    }
    parts.forEach((p, i) => {
      svg.appendChild(mk("rect", { x: 0, y: p.y - 18, width: width, height: p.height + 22,
        fill: i % 2 ? "#fafafa" : "#f2f6fa" }));
      svg.appendChild(mk("text", { x: 4, y: p.y - 4, fill: "#1f5f99", "font-weight": "bold" }, p.lane));
    });
    for (const e of events) {
      const pl = e.place_;
      const a = mk("a", { href: localHref(e.iri) });
      a.appendChild(mk("title", {}, `${e.label} (${e.when}${e.place ? ", " + e.place : ""})`));
      a.appendChild(mk("rect", { x: pl.x, y: pl.top + 4, width: pl.w, height: 10, rx: 4, fill: "#b35c00" }));
      const text = mk("text", { x: pl.lx, y: pl.top + 13, fill: "#222", "text-anchor": pl.anchor });
      pl.lines.forEach((l, i) => text.appendChild(mk("tspan", { x: pl.lx, dy: i ? lineH : 0 }, l)));
      a.appendChild(text);
      svg.appendChild(a);
    }
    el.innerHTML = "";
    el.appendChild(svg);
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
