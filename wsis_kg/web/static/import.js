/* The import page (/import): commit an imported resolution to the graph.
   The Turtle the page shows is sent to the Graph Store (PUT of the resolution's named graph:
   validated ingest, 422 with the SHACL report and nothing written when it does not conform).
   The token the editor typed goes only into the Authorization header of that request: it is
   never put into a URL, a form submission or any storage. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("import-config").textContent);
  const token = document.getElementById("token");

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  /* The simple JSON report of a refused write (problem member "report") as a table. */
  function reportTable(report) {
    const wrap = el("div", null, "validation-report");
    wrap.appendChild(el("p", `Does not conform: ${report.violations} violation(s), ` +
      `${report.warnings} warning(s).`, "summary violations"));
    const table = el("table");
    const head = el("tr");
    ["Severity", "Focus node", "Path", "Value", "Message"].forEach((h) => head.appendChild(el("th", h)));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    (report.results || []).forEach((r) => {
      const tr = el("tr", null, "severity-" + String(r.severity || "").toLowerCase());
      [r.severity, r.focusNode, r.path || "(node)", r.value || "", r.message || ""]
        .forEach((v, i) => tr.appendChild(el("td")).appendChild(i > 0 && i < 4 ? el("code", v) : document.createTextNode(v)));
      body.appendChild(tr);
    });
    wrap.appendChild(table);
    return wrap;
  }

  async function commit(btn) {
    const out = document.getElementById(btn.getAttribute("aria-describedby"));
    out.replaceChildren();
    const secret = token.value.trim();
    if (!secret) {
      out.appendChild(el("p", "Type your bearer token in the Commit section first.", "commit-error"));
      token.focus();
      return;
    }
    const turtle = JSON.parse(document.getElementById(btn.dataset.turtle).textContent);
    btn.disabled = true;
    out.appendChild(el("p", "Committing…"));
    try {
      const resp = await fetch(cfg.root + "/rdf-graphs/service?graph=" +
        encodeURIComponent(btn.dataset.graph), {
        method: "PUT",
        headers: { "Content-Type": "text/turtle", "Authorization": "Bearer " + secret,
                   "Accept": "application/problem+json" },
        body: turtle, cache: "no-store", credentials: "omit",
      });
      out.replaceChildren();
      if (resp.ok) {
        const p = el("p", resp.status === 201 ? "Committed (new graph). " : "Committed (graph replaced). ",
                     "commit-ok");
        const a = el("a", "Open the resolution's page");
        a.href = btn.dataset.page;
        p.appendChild(a);
        out.appendChild(p);
        return;
      }
      let problem = null;
      try { problem = await resp.json(); } catch (e) { problem = null; }
      const msg = problem && problem.detail ? problem.detail : resp.statusText;
      out.appendChild(el("p", `Not committed (${resp.status}): ${msg}`, "commit-error"));
      if (problem && problem.report) out.appendChild(reportTable(problem.report));
    } catch (e) {
      out.replaceChildren(el("p", "The request failed: " + e.message, "commit-error"));
    } finally {
      btn.disabled = false;
    }
  }

  document.querySelectorAll("button.commit-button").forEach((btn) => {
    btn.addEventListener("click", () => commit(btn));
  });
})();
