"""Synthetic data shaped like the WSIS graph, to benchmark at a million triples.

The real graph is small (tens of thousands of triples); a benchmark on it measures mostly
per-request overhead. ``generate`` adds resolutions with operative and preambular paragraphs,
mentions of the real action lines and organisations, citations between resolutions and
facilitations, using only the terms of docs/design.md, so the example queries have more to
join, filter and aggregate. Everything lives under ``id/synthetic/`` in named graphs
``graph/synthetic/{n}`` and is never part of the project's graph: only ``wsis-kg bench``
loads it. The output is deterministic for a given seed and size.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import pyoxigraph as ox

from wsis_kg.namespaces import BASE

WSIS = BASE + "def/"
SYNTH_ID = BASE + "id/synthetic/"
SYNTH_GRAPH = BASE + "graph/synthetic/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
#: Resolutions per named graph.
DOCS_PER_GRAPH = 100
_WORDS = ("information society digital divide broadband access development governance "
          "capacity building infrastructure internet multistakeholder cooperation security "
          "confidence knowledge cultural diversity media ethics enabling environment "
          "applications e-health e-learning e-government follow-up implementation review "
          "stakeholders partnership financing indicators measurement targets").split()
_LEADING = ("Recalling", "Reaffirming", "Noting", "Welcoming", "Recognizing", "Stressing")
_VERBS = ("Requests", "Invites", "Encourages", "Calls upon", "Decides", "Urges")


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(local)


def _w(term: str) -> ox.NamedNode:
    return ox.NamedNode(WSIS + term)


def generate(n_triples: int, *, action_lines: Sequence[str] = (),
             organisations: Sequence[str] = (), seed: int = 2003) -> Iterator[ox.Quad]:
    """About ``n_triples`` quads (stops at the first resolution boundary at or past it)."""
    rng = random.Random(seed)
    lines = [_n(a) for a in action_lines] or [_n(SYNTH_ID + f"action-line/{i}") for i in
                                               range(1, 12)]
    orgs = [_n(o) for o in organisations] or [_n(SYNTH_ID + f"org/{i}") for i in range(1, 40)]
    roles = [_w(r) for r in ("Facilitator", "CoFacilitator", "Moderator", "FocalPoint")]
    t_string, t_int, t_date = (_n(XSD + x) for x in ("string", "integer", "date"))
    p = {name: _w(name) for name in (
        "symbol", "adoptedBy", "session", "adoptionDate", "inDocument", "number", "sequence",
        "text", "leadingPhrase", "leadingVerb", "mentions", "cites", "recalls", "agent",
        "actionLine", "role", "status")}
    title, part_of, source = _n(DCT + "title"), _n(DCT + "isPartOf"), _n(DCT + "source")
    c_res, c_op, c_pre, c_fac = (_w(x) for x in ("Resolution", "OperativeParagraph",
                                                  "PreambularParagraph", "Facilitation"))
    adopted = _w("Adopted")
    count = 0
    doc = 0
    while count < n_triples:
        doc += 1
        g = _n(f"{SYNTH_GRAPH}{(doc - 1) // DOCS_PER_GRAPH + 1}")
        res = _n(f"{SYNTH_ID}resolution/{doc}")
        year = 2006 + doc % 20
        out = [
            (res, RDF_TYPE, c_res),
            (res, title, ox.Literal(f"Synthetic resolution {doc} on "
                                    f"{rng.choice(_WORDS)} and {rng.choice(_WORDS)}",
                                    language="en")),
            # The shape's symbol pattern with a year no real resolution has (90xx).
            (res, p["symbol"], ox.Literal(f"E/RES/{year + 7000}/{doc}")),
            (res, p["adoptedBy"], rng.choice(orgs)),
            (res, p["session"], ox.Literal(str(doc % 70 + 1), datatype=t_int)),
            (res, p["adoptionDate"], ox.Literal(f"{year}-{rng.randint(1, 12):02d}-"
                                                f"{rng.randint(1, 28):02d}", datatype=t_date)),
        ]
        if doc > 1:
            out.append((res, p["recalls"], _n(f"{SYNTH_ID}resolution/{rng.randint(1, doc - 1)}")))
        for kind, n_paras in (("preamble", rng.randint(4, 10)), ("para", rng.randint(8, 20))):
            for i in range(1, n_paras + 1):
                para = _n(f"{res.value}/{kind}/{i}")
                words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(12, 40)))
                if kind == "preamble":
                    lead = rng.choice(_LEADING)
                    out += [(para, RDF_TYPE, c_pre),
                            (para, p["leadingPhrase"], ox.Literal(lead, datatype=t_string))]
                else:
                    lead = rng.choice(_VERBS)
                    out += [(para, RDF_TYPE, c_op),
                            (para, p["leadingVerb"], ox.Literal(lead, datatype=t_string)),
                            (para, p["number"], ox.Literal(str(i)))]
                out += [(para, part_of, res), (para, p["inDocument"], res),
                        (para, p["sequence"], ox.Literal(str(i), datatype=t_int)),
                        (para, p["text"], ox.Literal(f"{lead} {words}.", language="en"))]
                out += [(para, p["mentions"], m) for m in rng.sample(lines, rng.randint(0, 2))]
                out += [(para, p["mentions"], m) for m in rng.sample(orgs, rng.randint(0, 2))]
                if doc > 1 and rng.random() < 0.15:
                    out.append((para, p["cites"],
                                _n(f"{SYNTH_ID}resolution/{rng.randint(1, doc - 1)}/para/1")))
        if rng.random() < 0.3:
            line, org = rng.choice(lines), rng.choice(orgs)
            fac = _n(f"{SYNTH_ID}facilitation/{doc}")
            out += [(fac, RDF_TYPE, c_fac), (fac, p["agent"], org), (fac, p["actionLine"], line),
                    (fac, p["role"], rng.choice(roles)), (fac, p["status"], adopted),
                    (fac, source, _n(f"{res.value}/para/1"))]
        for s, pred, o in out:
            yield ox.Quad(s, pred, o, g)
        count += len(out)
