"""Roles, posts and meeting outcomes (data/curated/roles.ttl, outcomes.ttl) on the built graph.

The facts that used to live only in rdfs:comment (UNGIS's rotating chairs, Tunisia as host and
organiser, the Chair of the CSTD as convener) are data a query can reach, with their time and the
paragraph that states them; every outcome is linked to its event and its reporting paragraph.
"""

from __future__ import annotations

from pathlib import Path

from wsis_kg.namespaces import sparql_prologue


def rows(store, query: str) -> list[tuple[str | None, ...]]:
    result = store.query(sparql_prologue() + "PREFIX time: <http://www.w3.org/2006/time#>\n"
                         + query)
    names = [v.value for v in result.variables]
    return [tuple(None if s[n] is None else s[n].value for n in names) for s in result]


def test_ungis_rotating_chair_order_and_first_holder(built_store) -> None:
    got = rows(built_store, """
        SELECT ?holder ?order ?since WHERE {
          ?a wsis:roleIn <https://w3id.org/wsis-kg/id/org/ungis> ;
             wsis:bodyRole wsis:RotatingChair ; wsis:holder ?holder ;
             wsis:forPost <https://w3id.org/wsis-kg/id/post/ungis-chair> .
          OPTIONAL { ?a wsis:rotationOrder ?order }
          OPTIONAL { ?a org:memberDuring/time:hasBeginning/time:inXSDgYearMonth ?since }
        } ORDER BY ?holder""")
    org = "https://w3id.org/wsis-kg/id/org/"
    assert got == [(org + "itu", "1", "2006-04"), (org + "undp", None, None),
                   (org + "unesco", None, None)]
    holders = rows(built_store, """
        SELECT ?o WHERE { ?o org:holds <https://w3id.org/wsis-kg/id/post/ungis-chair> }
        ORDER BY ?o""")
    assert [h[0].rsplit("/", 1)[-1] for h in holders] == ["itu", "undp", "unesco"]


def test_comment_only_roles_are_now_data(built_store) -> None:
    """Tunisia host of the Tunis phase (from 16 November 2005) and organiser of the ICT 4 All
    Forum; the Chair of the CSTD convener of the one-day meeting on enhanced cooperation."""
    got = set(rows(built_store, """
        SELECT ?holder ?role ?in WHERE {
          ?a a wsis:RoleAssignment ; wsis:holder ?holder ; wsis:bodyRole ?role ; wsis:roleIn ?in .
          FILTER (?holder IN (<https://w3id.org/wsis-kg/id/org/tunisia>,
                              <https://w3id.org/wsis-kg/id/org/cstd-chair>))
        }"""))
    i, w = "https://w3id.org/wsis-kg/id/", "https://w3id.org/wsis-kg/def/"
    assert got == {
        (i + "org/tunisia", w + "Host", i + "event/wsis-tunis-2005"),
        (i + "org/tunisia", w + "Organiser", i + "event/ict-4-all-forum"),
        (i + "org/cstd-chair", w + "Convener", i + "event/enhanced-cooperation-meeting-cstd-15"),
    }
    assert rows(built_store, """
        SELECT ?d WHERE { ?a wsis:holder <https://w3id.org/wsis-kg/id/org/tunisia> ;
            wsis:bodyRole wsis:Host ; org:memberDuring/time:hasBeginning/time:inXSDDate ?d }""") \
        == [("2005-11-16",)]


def test_every_role_and_outcome_cites_a_part_of_a_text(built_store) -> None:
    missing = rows(built_store, """
        SELECT ?x WHERE {
          { ?x a wsis:RoleAssignment } UNION { ?x a wsis:Outcome }
          FILTER NOT EXISTS { ?x dcterms:source ?s . ?s wsis:text ?t }
        }""")
    assert not missing


def test_role_sources_name_the_holder(built_store) -> None:
    """Never invent: the cited paragraph names the holder (by a name or acronym of it)."""
    got = rows(built_store, """
        SELECT ?a ?holder WHERE {
          ?a a wsis:RoleAssignment ; wsis:holder ?holder .
          FILTER NOT EXISTS {
            ?a dcterms:source ?s . ?s wsis:text ?t .
            ?holder skos:prefLabel|skos:altLabel|wsis:acronym|skos:hiddenLabel ?name .
            FILTER (CONTAINS(LCASE(STR(?t)), LCASE(STR(?name))))
          }
        }""")
    assert not got


def test_what_the_tunis_phase_produced(built_store) -> None:
    got = rows(built_store, """
        SELECT ?kind ?text WHERE {
          ?o wsis:outcomeOf <https://w3id.org/wsis-kg/id/event/wsis-tunis-2005> ; a ?kind .
          FILTER (?kind IN (wsis:DecisionOutcome, wsis:AdoptedText))
          OPTIONAL { ?o wsis:outcomeText ?text }
        } ORDER BY ?kind ?text""")
    i, w = "https://w3id.org/wsis-kg/id/", "https://w3id.org/wsis-kg/def/"
    assert got == [(w + "AdoptedText", i + "doc/tunis-agenda"),
                   (w + "AdoptedText", i + "doc/tunis-commitment"),
                   (w + "DecisionOutcome", None)]


def test_outcome_events_are_curated_events(built_store) -> None:
    assert not rows(built_store, """
        SELECT ?o WHERE { ?o wsis:outcomeOf ?e FILTER NOT EXISTS { ?e a wsis:Event } }""")
    assert len(rows(built_store, "SELECT ?o WHERE { ?o a wsis:Outcome }")) == 12


def test_roles_say_whether_adopted_or_proposed(built_store) -> None:
    """Every role has one status, the facilitations' wsis:Adopted / wsis:Proposed; the only
    proposed one is the WSIS Executive Secretariat as central coordinating body, which only the
    bracketed item 20 f of the Tunis draft states — and the status is stated with the source."""
    got = rows(built_store, """
        SELECT ?a (COUNT(DISTINCT ?status) AS ?n) (SAMPLE(?status) AS ?s) WHERE {
          ?a a wsis:RoleAssignment . OPTIONAL { ?a wsis:status ?status }
        } GROUP BY ?a""")
    assert len(got) >= 15 and all(n == "1" for _a, n, _s in got), got
    proposed = {a.rsplit("/id/", 1)[-1] for a, _n, s in got if s.endswith("Proposed")}
    assert proposed == {"role/wsis/secretariat/wsis-executive-secretariat"}
    bracketed = rows(built_store, """
        SELECT ?a WHERE { ?a wsis:status wsis:Proposed ; dcterms:source ?p .
                          ?p wsis:bracketed true }""")
    assert [b[0].rsplit("/id/", 1)[-1] for b in bracketed] == list(proposed)


def test_un_roles_since_tells_proposed_from_adopted(built_store) -> None:
    query = (Path(__file__).resolve().parents[2] / "queries" / "un-roles-since.rq").read_text(
        encoding="utf-8")
    result = built_store.query(query)
    by_holder = {(r["holder"].value.rsplit("/", 1)[-1], r["role"].value.rsplit("/", 1)[-1]):
                 r["status"].value.rsplit("/", 1)[-1] for r in result}
    assert by_holder[("wsis-executive-secretariat", "Secretariat")] == "Proposed"
    assert by_holder[("itu", "RotatingChair")] == "Adopted"
    assert set(by_holder.values()) == {"Adopted", "Proposed"}
