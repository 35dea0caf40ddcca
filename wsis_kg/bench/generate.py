"""A synthetic stocktaking corpus of any size that conforms to the shapes (``wsis-kg generate``).

Why: to measure the service at the sizes the real stocktaking database reaches and beyond (10
thousand to 10 million triples) with data that looks like it: a few agencies lead most entries
and a few action lines are named by most (Zipf-like weights), countries have a long tail, and
descriptions come from a small word model (a first-order chain over a hand-written sample, so
text search has realistic word frequencies). Resolutions with preambular and operative
paragraphs come from :mod:`wsis_kg.bench.synthetic` (about a fifth of the triples).

Everything is synthetic and says so: IRIs under ``id/synthetic/…``, named graphs
``graph/synthetic/stocktaking/{n}`` (``ENTRIES_PER_GRAPH`` entries each), titles starting with
"Synthetic". References go to the real action lines, targets and stakeholder groups, so the
output validates in the context of the project's graph. The output is streamed (memory does not
grow with the size: only the set of organisations and countries already described is kept) and
deterministic for a seed and size.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from wsis_kg.bench.synthetic import SYNTH_GRAPH, SYNTH_ID
from wsis_kg.bench.synthetic import generate as generate_resolutions
from wsis_kg.namespaces import BASE

WSIS = BASE + "def/"
ID = BASE + "id/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
XSD_GYEAR = ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")
ENTRIES_PER_GRAPH = 1000
#: Synthetic countries (about as many as the world has).
COUNTRIES = 240
#: Zipf exponent: weight of the k-th most common value is 1 / k**s.
ZIPF_S = 1.1
#: The real action lines (codes of id/action-line/…), most common first.
ACTION_LINES = ("C7-e-government", "C3", "C4", "C2", "C7-e-learning", "C1", "C6", "C5",
                "C7-e-health", "C8", "C7-e-business", "C10", "C11", "C9", "C7-e-agriculture",
                "C7-e-environment", "C7-e-science", "C7-e-employment")
TARGETS = "bdafcejghi"
STAKEHOLDER_GROUPS = ("governments", "civil-society", "international-and-regional-institutions",
                      "private-sector")
STATUSES = ("Ongoing", "Completed", "Planned")
#: The sample the word model learns from (written for this generator).
_SAMPLE = """
the project provides community access to broadband in rural areas and trains local teachers
the initiative builds digital skills of women and young people through online courses
the programme connects schools and health centres to the internet with public access points
the platform publishes open data on public services and helps citizens to find information
the project develops local content in national languages for farmers and small enterprises
the network supports small enterprises with training on electronic commerce and online payment
the campaign raises awareness of cybersecurity and protection of children online
the centre offers training for civil servants on electronic government services
the study measures access to mobile networks and the use of the internet in households
the partnership extends telemedicine to district hospitals and trains health workers
the portal gives farmers market prices and weather information by mobile phone
the programme supports community radio and media literacy in remote regions
""".split("\n")
_LEADS = ("Synthetic", "Synthetic regional", "Synthetic national", "Synthetic community")
_TOPICS = ("telecentre network", "e-learning platform", "broadband access plan",
           "open data portal", "digital skills programme", "telemedicine pilot",
           "cybersecurity campaign", "local content initiative", "mobile services pilot",
           "e-government service", "community radio project", "statistics survey")
_ORG_KINDS = ("Ministry of Digital Affairs", "Telecom Cooperative", "Open Data Lab",
              "Development Agency", "Foundation", "University", "Broadband Alliance",
              "Media Institute", "Health Network", "Chamber of Commerce")


class Zipf:
    """Draw from ``values`` with weight 1 / rank**s (the first value is the most common)."""

    def __init__(self, values: Sequence, s: float = ZIPF_S) -> None:
        self.values = list(values)
        self.cum = list(itertools.accumulate(1 / (k ** s) for k in range(1, len(values) + 1)))

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_left(self.cum, rng.random() * self.cum[-1])]

    def sample(self, rng: random.Random, n: int) -> list:
        out: dict = {}
        for _ in range(n * 4):
            out[self(rng)] = None
            if len(out) == n:
                break
        return list(out)


class WordModel:
    """A first-order chain over :data:`_SAMPLE`: each word is followed by a word that followed
    it in the sample, so sentences read like the sample with the sample's word frequencies."""

    def __init__(self) -> None:
        self.follow: dict[str, list[str]] = {}
        self.starts: list[str] = []
        for line in filter(None, (s.strip() for s in _SAMPLE)):
            words = line.split()
            self.starts.append(words[0])
            for a, b in itertools.pairwise(words):
                self.follow.setdefault(a, []).append(b)

    def sentence(self, rng: random.Random, length: int) -> str:
        word = rng.choice(self.starts)
        out = [word]
        while len(out) < length and word in self.follow:
            word = rng.choice(self.follow[word])
            out.append(word)
        return " ".join(out).capitalize() + "."


def _country_code(i: int) -> str:
    """The i-th synthetic three-letter code, "XAA", "XAB", … (X: user-assigned in ISO 3166)."""
    a, b = divmod(i, 26)
    return "X" + chr(65 + a % 26) + chr(65 + b)


def stocktaking(n_triples: int, *, seed: int = 2003) -> Iterator[ox.Quad]:
    """About ``n_triples`` quads of synthetic stocktaking entries (stops at the first entry
    boundary at or past it), with their organisations and countries."""
    rng = random.Random(seed)
    n_entries = max(1, n_triples // 16)
    n_orgs = max(20, n_entries // 15)
    orgs = Zipf(range(1, n_orgs + 1))
    countries = Zipf(range(COUNTRIES), s=1.0)
    lines = Zipf([ox.NamedNode(f"{ID}action-line/{c}") for c in ACTION_LINES])
    targets = Zipf([ox.NamedNode(f"{ID}target/{t}") for t in TARGETS])
    groups = [ox.NamedNode(f"{ID}stakeholder-group/{g}") for g in STAKEHOLDER_GROUPS]
    statuses = Zipf([ox.NamedNode(WSIS + s) for s in STATUSES])
    words = WordModel()
    w = {name: ox.NamedNode(WSIS + name) for name in (
        "stocktakingId", "leadOrganisation", "partner", "country", "servesActionLine",
        "servesTarget", "startYear", "projectStatus", "stakeholderGroup", "countryCode")}
    title, description = ox.NamedNode(DCT + "title"), ox.NamedNode(DCT + "description")
    source, pref = ox.NamedNode(DCT + "source"), ox.NamedNode(SKOS + "prefLabel")
    c_entry, c_org, c_country = (ox.NamedNode(WSIS + c) for c in (
        "StocktakingEntry", "Organisation", "Country"))
    described_orgs: set[int] = set()
    described_countries: set[int] = set()
    count = 0
    entry = 0
    while count < n_triples:
        entry += 1
        g = ox.NamedNode(f"{SYNTH_GRAPH}stocktaking/{(entry - 1) // ENTRIES_PER_GRAPH + 1}")
        ident = f"SYN-{entry:08d}"
        e = ox.NamedNode(f"{SYNTH_ID}stocktaking/{ident}")
        src = ox.NamedNode(f"https://example.org/synthetic/stocktaking/{ident}")
        note = ox.Literal(f"Synthetic record {ident}, generated by wsis-kg generate",
                          language="en")
        lead = orgs(rng)
        out = [
            (e, RDF_TYPE, c_entry),
            (e, w["stocktakingId"], ox.Literal(ident)),
            (e, title, ox.Literal(f"{rng.choice(_LEADS)} {rng.choice(_TOPICS)} {entry}",
                                  language="en")),
            (e, w["leadOrganisation"], ox.NamedNode(f"{SYNTH_ID}org/{lead}")),
            (e, w["startYear"], ox.Literal(str(rng.randint(2003, 2025)), datatype=XSD_GYEAR)),
            (e, w["projectStatus"], statuses(rng)),
            (e, source, src),
            (e, RDFS_COMMENT, note),
        ]
        if rng.random() < 0.85:
            text = " ".join(words.sentence(rng, rng.randint(8, 18))
                            for _ in range(rng.randint(1, 3)))
            out.append((e, description, ox.Literal(text, language="en")))
        partners = [p for p in orgs.sample(rng, rng.choice((0, 0, 1, 1, 2, 3))) if p != lead]
        out += [(e, w["partner"], ox.NamedNode(f"{SYNTH_ID}org/{p}")) for p in partners]
        out += [(e, w["servesActionLine"], line)
                for line in lines.sample(rng, rng.choice((1, 1, 2, 2, 3)))]
        out += [(e, w["servesTarget"], t) for t in targets.sample(rng, rng.choice((0, 1, 1, 2)))]
        for c in countries.sample(rng, rng.choice((1, 1, 1, 2, 3))):
            node = ox.NamedNode(f"{SYNTH_ID}country/{_country_code(c)}")
            out.append((e, w["country"], node))
            if c not in described_countries:
                described_countries.add(c)
                out += [(node, RDF_TYPE, c_country),
                        (node, w["countryCode"], ox.Literal(_country_code(c)))]
        for o in (lead, *partners):
            if o in described_orgs:
                continue
            described_orgs.add(o)
            node = ox.NamedNode(f"{SYNTH_ID}org/{o}")
            out += [(node, RDF_TYPE, c_org),
                    (node, pref, ox.Literal(f"Synthetic {_ORG_KINDS[o % len(_ORG_KINDS)]} {o}",
                                            language="en")),
                    # every organisation has a type, so it may lead an entry later
                    (node, w["stakeholderGroup"], groups[o % len(groups)]),
                    (node, source, src), (node, RDFS_COMMENT, note)]
        for s, p, o in out:
            yield ox.Quad(s, p, o, g)
        count += len(out)


def project_organisations(project_root: Path) -> list[str]:
    """The organisations of the curated data (ontology + ``data/curated``, no build): what the
    synthetic resolutions may be adopted by and mention."""
    store = ox.Store()
    for f in [project_root / "ontology" / "wsis.ttl",
              *sorted((project_root / "data" / "curated").glob("*.ttl"))]:
        store.load(path=str(f), format=ox.RdfFormat.TURTLE)
    q = (f"SELECT DISTINCT ?o WHERE {{ ?o a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* "
         f"<{WSIS}Organisation> FILTER(isIRI(?o)) }} ORDER BY ?o")
    return [r["o"].value for r in store.query(q)]


def corpus(n_triples: int, *, seed: int = 2003, organisations: Sequence[str] = (),
           action_lines: Sequence[str] = ()) -> Iterator[ox.Quad]:
    """Synthetic resolutions (about a fifth of the triples), then stocktaking entries, up to
    about ``n_triples``."""
    resolution_share = n_triples // 5
    yield from generate_resolutions(resolution_share, seed=seed, organisations=organisations,
                                    action_lines=action_lines)
    yield from stocktaking(n_triples - resolution_share, seed=seed)


def write_nquads(quads: Iterator[ox.Quad], out: IO[bytes], *, chunk: int = 20_000) -> int:
    """Stream ``quads`` to ``out`` as N-Quads, ``chunk`` at a time; returns how many."""
    n = 0
    while True:
        batch = list(itertools.islice(quads, chunk))
        if not batch:
            return n
        out.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))
        n += len(batch)
