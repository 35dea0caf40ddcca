"""ontology/wsis.ttl: parses, has its header, documents every term, implements the design,
is OWL 2 DL and consistent (HermiT), and defines every term the shapes and the data use."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef

from wsis_kg.graph import consistency as ontology
from wsis_kg.graph.consistency import ReasonerUnavailable, check_consistency, dl_profile_violations

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_FILE = ROOT / "ontology" / "wsis.ttl"
DESIGN = ROOT / "docs" / "design.md"
WSIS = Namespace("https://w3id.org/wsis-kg/def/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
VANN = Namespace("http://purl.org/vocab/vann/")
ONT = URIRef("https://w3id.org/wsis-kg/def")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
#: Terms the OWL 2 RDF mapping itself provides (no declaration needed).
BUILTIN = {RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.Thing,
           OWL.versionInfo, OWL.sameAs, OWL.Nothing}


@cache
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_FILE)


def data_files() -> list[Path]:
    data = ROOT / "data"
    return sorted(p for sub in ("curated", "extracted") for p in (data / sub).glob("*.tt[lg]"))


def shape_files() -> list[Path]:
    return sorted((ROOT / "shapes").glob("*.ttl"))


def kinds_of(iri) -> set[URIRef]:
    return {k for k in onto().objects(iri, RDF.type) if k in KINDS}


def wsis_terms() -> set[URIRef]:
    return {s for s in onto().subjects(RDF.type, None)
            if isinstance(s, URIRef) and str(s).startswith(str(WSIS))}


def java_or_skip(*, compiler: bool = False) -> None:
    """Fail (saying what to install) when Java, or for the profile check a JDK, is missing:
    scripts/setup installs both, so a missing one is a set-up defect, not a reason to skip."""
    try:
        java = ontology.java_executable()
    except ReasonerUnavailable as e:
        pytest.fail(e.detail)
    if compiler and not ontology.has_java_compiler(java):
        pytest.fail("the OWL 2 DL profile check needs a JDK (default-jdk-headless)")


# ---------------------------------------------------------------- syntax and header

def test_turtle_parses_with_rdflib_and_oxigraph():
    assert len(onto()) > 500
    store = ox.Store()
    store.bulk_load(ONTOLOGY_FILE.read_bytes(), format=ox.RdfFormat.TURTLE)
    assert len(store) > 500


def test_header():
    g = onto()
    assert (ONT, RDF.type, OWL.Ontology) in g
    assert (ONT, OWL.versionIRI, URIRef("https://w3id.org/wsis-kg/def/1.0.0")) in g
    assert g.value(ONT, OWL.versionInfo) is not None
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.created, DCTERMS.creator):
        assert g.value(ONT, p) is not None, f"ontology header lacks {p}"
    assert (ONT, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert (ONT, VANN.preferredNamespacePrefix, Literal("wsis")) in g
    assert (ONT, VANN.preferredNamespaceUri, Literal(str(WSIS))) in g


# ---------------------------------------------------------------- documentation of terms

def test_every_term_has_english_label_and_definition():
    g = onto()
    problems = []
    for term in sorted(wsis_terms()):
        labels = list(g.objects(term, RDFS.label))
        if not any(isinstance(v, Literal) and v.language == "en" for v in labels):
            problems.append(f"{term}: no rdfs:label@en")
        defs = list(g.objects(term, SKOS.definition)) + list(g.objects(term, RDFS.comment))
        if not any(isinstance(v, Literal) and v.language == "en" for v in defs):
            problems.append(f"{term}: no skos:definition@en")
        if (term, RDFS.isDefinedBy, ONT) not in g:
            problems.append(f"{term}: no rdfs:isDefinedBy <{ONT}>")
    assert not problems, "\n".join(problems)


def design_terms() -> set[str]:
    """wsis: names in docs/design.md's 'Ontology terms' section and its change log."""
    text = DESIGN.read_text(encoding="utf-8")
    start = text.index("## Ontology terms")
    section = text[start:]
    return set(re.findall(r"`?wsis:([A-Za-z][A-Za-z0-9]*)", section))


def test_every_design_term_is_defined():
    defined = {str(t).removeprefix(str(WSIS)) for t in wsis_terms()}
    missing = sorted(design_terms() - defined)
    assert not missing, f"terms of docs/design.md missing from ontology/wsis.ttl: {missing}"


def test_role_and_status_individuals():
    g = onto()
    roles = {"Facilitator", "CoFacilitator", "Moderator", "Coordinator", "FocalPoint",
             "LeadFacilitator"}
    for r in roles:
        assert (WSIS[r], RDF.type, WSIS.FacilitationRole) in g
    for s in ("Adopted", "Proposed"):
        assert (WSIS[s], RDF.type, WSIS.FacilitationStatus) in g
    assert (WSIS.FacilitationRole, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Role")) in g


# ---------------------------------------------------------------- OWL 2 DL hygiene

def test_every_iri_has_one_kind_and_every_used_term_is_declared():
    """No punning between classes and property kinds; every IRI used in an axiom is declared."""
    g = onto()
    problems = []
    for s in {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}:
        kinds = kinds_of(s)
        if len(kinds) > 1:
            problems.append(f"{s} is declared as {sorted(kinds)}")
    for _s, p, o in g:
        if p in (RDFS.subClassOf, OWL.disjointWith, OWL.equivalentClass, RDFS.domain,
                 RDFS.range) and isinstance(o, URIRef) and o not in BUILTIN:
            if p == RDFS.range and str(o).startswith(("http://www.w3.org/2001/XMLSchema#",
                                                      str(RDF))):
                continue  # datatypes
            if OWL.Class not in kinds_of(o):
                problems.append(f"{o} is used as a class ({p.n3(g.namespace_manager)}) "
                                "but not declared owl:Class")
        if p in (RDFS.subPropertyOf, OWL.inverseOf) and not kinds_of(o) & set(KINDS[1:3]):
            problems.append(f"{o} is used as a property but not declared")
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.slow
def test_ontology_is_owl2_dl():
    java_or_skip(compiler=True)
    assert dl_profile_violations([ONTOLOGY_FILE]) == []


@pytest.mark.slow
def test_dl_profile_check_catches_punning(tmp_path):
    java_or_skip(compiler=True)
    bad = tmp_path / "pun.ttl"
    bad.write_text("""@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/wsis-kg/id/x> dcterms:source "a literal: dcterms:source is an object property" .
""")
    assert dl_profile_violations([ONTOLOGY_FILE, bad])


# ---------------------------------------------------------------- HermiT

@pytest.mark.slow
def test_hermit_consistent_and_no_unsatisfiable_classes():
    java_or_skip()
    result = check_consistency([ONTOLOGY_FILE])
    assert result.consistent, "\n".join(result.lines())
    assert result.unsatisfiable_classes == []


@pytest.mark.slow
def test_hermit_reports_unsatisfiable_class_and_inconsistency(tmp_path):
    java_or_skip()
    unsat = tmp_path / "unsat.ttl"
    unsat.write_text("""@prefix wsis: <https://w3id.org/wsis-kg/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
wsis:PaperMeeting a owl:Class ; rdfs:subClassOf wsis:Document , wsis:Event .
""")
    result = check_consistency([ONTOLOGY_FILE, unsat])
    assert result.consistent and result.unsatisfiable_classes == [str(WSIS.PaperMeeting)]
    clash = tmp_path / "clash.ttl"
    clash.write_text("""@prefix wsis: <https://w3id.org/wsis-kg/def/> .
<https://w3id.org/wsis-kg/id/doc/x> a wsis:Resolution , wsis:OperativeParagraph .
""")
    assert not check_consistency([ONTOLOGY_FILE, clash]).consistent


def test_missing_java_gives_clear_error(monkeypatch):
    monkeypatch.setattr(ontology.shutil, "which", lambda _name: None)
    with pytest.raises(ReasonerUnavailable, match="Java runtime"):
        check_consistency([ONTOLOGY_FILE])


@pytest.mark.slow
def test_hermit_with_all_instance_data():
    """Ontology + every data file: consistent (disjointness catches mistyped IRIs), in time."""
    java_or_skip()
    files = data_files()
    assert files, "no data files"
    result = check_consistency([ONTOLOGY_FILE, *files])
    assert result.consistent, (
        "ontology + data are inconsistent: some IRI is typed with two disjoint classes "
        "(e.g. a Document and a DocumentPart), or a property links things its domain/range "
        "forbid. Narrow it down with wsis_kg.graph.consistency.check_consistency on single files.")
    assert result.unsatisfiable_classes == []
    assert result.seconds < 60


@pytest.mark.slow
def test_ontology_and_data_are_owl2_dl():
    java_or_skip(compiler=True)
    files = data_files()
    assert files, "no data files"
    violations = dl_profile_violations([ONTOLOGY_FILE, *files])
    assert not violations, "\n".join(violations[:30])


# ---------------------------------------------------------------- terms used elsewhere

def used_terms(paths: list[Path]) -> tuple[dict, dict, list[str]]:
    """(term → files) for wsis: IRIs and for external predicates/classes; parse errors."""
    wsis_used: dict[URIRef, set[str]] = defaultdict(set)
    external: dict[URIRef, set[str]] = defaultdict(set)
    errors = []
    for path in paths:
        try:
            g = Graph().parse(path, format="turtle")
        except Exception as e:  # report all unreadable files at once
            errors.append(f"{path.relative_to(ROOT)}: {e}")
            continue
        name = str(path.relative_to(ROOT))
        for s, p, o in g:
            for node in (s, p, o):
                if isinstance(node, URIRef) and str(node).startswith(str(WSIS)):
                    wsis_used[node].add(name)
            if path.parent.name != "shapes":
                if not str(p).startswith(str(WSIS)):
                    external[p].add(name)
                if p == RDF.type and isinstance(o, URIRef) and not str(o).startswith(str(WSIS)):
                    external[o].add(name)
    return wsis_used, external, errors


def test_terms_used_in_shapes_data_and_queries_are_defined():
    files = shape_files() + data_files()
    wsis_used, external, errors = used_terms(files)
    defined = wsis_terms()
    problems = [f"unreadable: {e}" for e in errors]
    for query in sorted((ROOT / "queries").glob("*.rq")):
        for name in re.findall(r"\bwsis:([A-Za-z][A-Za-z0-9]*)", query.read_text(encoding="utf-8")):
            wsis_used[WSIS[name]].add(str(query.relative_to(ROOT)))
    for term in sorted(set(wsis_used) - defined):
        problems.append(f"undefined {term} used in {sorted(wsis_used[term])}")
    for term in sorted(external):
        if term not in BUILTIN and not kinds_of(term):
            problems.append(f"external term {term} (used in {sorted(external[term])}) is not "
                            "declared in ontology/wsis.ttl, so ontology + data are not OWL 2 DL")
    assert not problems, (
        "add the term to ontology/wsis.ttl (and to docs/design.md's change log), or fix the "
        "spelling:\n" + "\n".join(problems))


def test_data_uses_properties_with_the_right_kind_of_value():
    """Object properties link to IRIs, datatype properties to literals (OWL 2 DL, and sanity)."""
    problems = []
    for path in data_files():
        try:
            g = Graph().parse(path, format="turtle")
        except Exception:
            continue  # reported by test_terms_used_in_shapes_and_data_are_defined
        for s, p, o in g:
            kinds = kinds_of(p)
            if OWL.ObjectProperty in kinds and isinstance(o, Literal):
                problems.append(f"{path.name}: {s} {p} {o!r}: needs an IRI, not a literal")
            if OWL.DatatypeProperty in kinds and isinstance(o, (URIRef, BNode)):
                problems.append(f"{path.name}: {s} {p} <{o}>: needs a literal, not an IRI")
    assert not problems, "\n".join(problems[:40])
