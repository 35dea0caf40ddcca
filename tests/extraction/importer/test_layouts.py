"""Single faults of real texts, one test each (the corpus test measures them together)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef

from wsis_kg.errors import ResolutionImportError
from wsis_kg.extraction.importer import phrases as ph
from wsis_kg.extraction.importer.resolution import decode, import_resolution, symbol_from_name
from wsis_kg.namespaces import ID, WSIS
from wsis_kg.settings import Settings
from wsis_kg.validation.validate import project_shapes, run_pyshacl

HAND = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "importer" / "corpus" / "hand"
RES = "https://w3id.org/wsis-kg/id/resolution/"
ANYURI = URIRef("http://www.w3.org/2001/XMLSchema#anyURI")
DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


def hand(name: str):
    return import_resolution(decode((HAND / name).read_bytes(), name), file_name=name)


def test_printed_number_in_conflict_is_kept_and_recorded() -> None:
    r = hand("ocr-opener.txt")
    g, res = r.graph, RES + "E-RES-2099-9"
    # printed 3 and 7 stay 3 and 7 (the old importer renumbered them 2 and 3)
    assert str(g.value(URIRef(f"{res}/para/3"), WSIS.number)) == "3"
    assert str(g.value(URIRef(f"{res}/para/3"), WSIS.numberConflict)) == "2"
    assert str(g.value(URIRef(f"{res}/para/7"), WSIS.number)) == "7"
    assert (URIRef(f"{res}/para/7"), WSIS.numberRecovered, None) not in g
    assert any("numbers jump from 3 to 7" in p for p in r.problems)


def test_ocr_damaged_opening_line_is_read_and_reported() -> None:
    r = hand("ocr-opener.txt")
    assert r.symbol == "E/RES/2099/9"
    assert any("read as 'The Economic and Social Council,'" in p for p in r.problems)


def test_decision_is_not_a_resolution() -> None:
    g = hand("ecosoc-resolution-header.txt").graph
    assert (ID["doc/E-DEC-2098-218"], RDF.type, WSIS.Decision) in g
    assert (ID["resolution/E-RES-2098-218"], None, None) not in g
    assert (ID["resolution/E-RES-2098-46"], RDF.type, WSIS.Resolution) in g
    assert (ID["doc/A-DEC-99-555"], RDF.type, WSIS.Decision) in g


def test_capital_r_list_part_letter_and_glued_symbol() -> None:
    g = hand("ecosoc-resolution-header.txt").graph
    for s in ("A-RES-99-183", "A-RES-99-238", "A-RES-99-270B"):
        assert (ID[f"resolution/{s}"], RDF.type, WSIS.Resolution) in g, s
    # footnote "2E/2099/85.": footnote 2, citing E/2099/85
    fn = URIRef(RES + "E-RES-2099-5/footnote/2")
    assert str(g.value(fn, WSIS.text)) == "E/2099/85."
    assert (fn, WSIS.cites, ID["doc/E-2099-85"]) in g


def test_masthead_furniture_and_distribution_date() -> None:
    r = hand("masthead.txt")
    assert r.symbol == "A/RES/99/11"
    assert r.graph.value(r.iri, WSIS.adoptionDate) == Literal("2099-12-20", datatype=DATE)


def test_symbol_from_file_name_glued_closing_and_missing_title() -> None:
    r = hand("A_RES_99_14.txt")
    assert r.symbol == "A/RES/99/14"
    assert (r.iri, WSIS.guessed, Literal(str(WSIS.symbol), datatype=ANYURI)) in r.graph
    assert str(r.graph.value(r.iri, WSIS.meeting)) == "71st plenary meeting"
    assert any("no title found before the opening line (line 1)" in p for p in r.problems)
    p2 = URIRef(RES + "A-RES-99-14/para/2")
    assert str(r.graph.value(p2, WSIS.text)) == "Requ sts nothing further;"
    assert str(r.graph.value(p2, WSIS.leadingVerb)) == "Requests"
    assert (p2, WSIS.guessed, Literal(str(WSIS.leadingVerb), datatype=ANYURI)) in r.graph


@pytest.mark.parametrize(("name", "symbol"), [("A_RES_66_184.txt", "A/RES/66/184"),
                                              ("e-res-2009-7.txt", "E/RES/2009/7"),
                                              ("notes.txt", None)])
def test_symbol_from_name(name: str, symbol: str | None) -> None:
    assert symbol_from_name(name) == symbol


SHORT = ("99/3. Test\n\nThe General Assembly,\n\nRecalling its resolution 99/1,\n\n"
         "1. Decides to test the reader.\n")


@pytest.mark.parametrize("data", [
    SHORT.encode("utf-16"), SHORT.encode("utf-16-be").join([b"\xfe\xff", b""]),
    SHORT.encode("utf-8-sig"), SHORT.replace("test", "tést").encode("latin-1"),
    SHORT.replace("\n", "\r").encode("utf-8"), SHORT.replace("\n", "\r\n").encode("utf-8"),
])
def test_encodings_and_line_ends(data: bytes) -> None:
    r = import_resolution(decode(data, "x"))
    assert r.symbol == "A/RES/99/3"
    assert str(r.graph.value(URIRef(RES + "A-RES-99-3/para/1"), WSIS.leadingVerb)) == "Decides"


def test_empty_utf16_is_empty() -> None:
    with pytest.raises(ResolutionImportError, match="empty"):
        decode("  \n".encode("utf-16"), "x")


def test_phrase_table_tolerance() -> None:
    assert ph.preambular("Recalli g its resolution").phrase == "Recalling"
    assert ph.preambular("Recalli g its resolution").distance == 1
    assert ph.preambular("Taking note with satisf cti n of").phrase == \
        "Taking note with satisfaction"
    assert ph.preambular("Also noting the").phrase == "Also noting"
    assert ph.operative("Also stresses that").phrase == "Stresses"
    assert ph.operative("Calls upon all").phrase == "Calls upon"
    # short words are not guessed: "Votes" is not "Notes"
    assert ph.operative("Votes for it") is None


def test_two_letters_lost_guessed_only_when_one_entry_is_that_close() -> None:
    # letters lost (the printed ones are the entry's, in order), at most one per four letters
    assert ph.operative("resses that") == ph.PhraseMatch("Stresses", "resses", 6, 2)
    assert ph.operative("Re ter tes its").phrase == "Reiterates"
    # two entries within reach: no guess, both named for the report
    assert ph.operative("De l res that") is None
    assert ph.readings("De l res that", True) == (["Declares", "Deplores"], "De l res")
    assert ph.preambular("De l ring its") is None
    # never for short entries ("otes" may be "Notes" or "Votes"), never three of eight letters
    assert ph.operative("otes that") is None
    assert ph.operative("ress s that") is None


def test_letter_loss_guess_is_marked_and_the_ambiguous_one_reported() -> None:
    r = hand("letters-lost.txt")
    g, res = r.graph, RES + "A-RES-99-22"
    p1, p3 = URIRef(f"{res}/para/1"), URIRef(f"{res}/para/3")
    assert str(g.value(p1, WSIS.leadingVerb)) == "Stresses"
    assert (p1, WSIS.guessed, Literal(str(WSIS.leadingVerb), datatype=ANYURI)) in g
    assert str(g.value(p1, WSIS.text)) == "resses that this text is a test fixture;"
    assert "paragraph 1 (line 9): leading verb printed 'resses', read as 'Stresses' " \
        "(edit distance 2)" in r.problems
    assert (p3, WSIS.leadingVerb, None) not in g and (p3, WSIS.guessed, None) not in g
    assert "paragraph 3 (line 13): leading verb printed 'De l res' could be 'Declares' or " \
        "'Deplores' (letters lost): kept as printed, not guessed" in r.problems
    pre2 = URIRef(f"{res}/preamble/2")
    assert (pre2, WSIS.leadingPhrase, None) not in g and (pre2, WSIS.guessed, None) not in g


def test_docs_print_the_phrase_table() -> None:
    """docs/importer.md's table lists exactly the module's entries (one table, two views)."""
    doc = (Path(__file__).resolve().parents[3] / "docs" / "importer.md").read_text(
        encoding="utf-8")
    rows = {"preambular phrases": ph.PREAMBULAR, "tails (part of the phrase)":
            ph.PREAMBULAR_TAILS, "operative verbs": ph.OPERATIVE}
    for label, entries in rows.items():
        line = next(ln for ln in doc.splitlines() if ln.startswith(f"| {label} |"))
        assert line.split(" | ")[1].rstrip(" |").split(", ") == list(entries), label


# ---------------------------------------------------------------- lettered sub-items

def test_items_in_every_layout() -> None:
    """items.txt prints items on their own lines, hard-wrapped, set off by blank lines, run
    into the paragraph (also over a line break) and roman under a letter, both ways."""
    r = hand("items.txt")
    g, res = r.graph, RES + "A-RES-99-20"
    got = {str(p.iri)[len(res) + 1:] for p in r.parts if p.kind == "item"}
    assert got == {"para/1/a", "para/1/b", "para/2/a", "para/2/b", "para/3/a", "para/3/b",
                   "para/3/c", "para/4/a", "para/4/a/i", "para/4/a/ii", "para/4/b",
                   "para/4/b/i", "para/4/b/ii", *(f"para/5/{c}" for c in "abcdefghij")}
    assert not [p for p in r.problems if "ignored" in p], r.problems
    b_ii = URIRef(f"{res}/para/4/b/ii")
    assert (b_ii, RDF.type, WSIS.Item) in g
    assert g.value(b_ii, URIRef("http://purl.org/dc/terms/isPartOf")) == URIRef(f"{res}/para/4/b")
    assert (b_ii, WSIS.inDocument, URIRef(res)) in g
    assert str(g.value(b_ii, WSIS.number)) == "ii"
    assert g.value(b_ii, WSIS.sequence).toPython() == 2
    # a lead-in keeps only its own words; "and" stays with the item it ends
    assert str(g.value(URIRef(f"{res}/para/3"), WSIS.text)) == \
        "Encourages the regional commissions:"
    assert str(g.value(URIRef(f"{res}/para/3/b"), WSIS.text)).endswith("members; and")
    # "(i)" after "(h)" is the letter i; "paragraph 4 (a)" in running text is no item
    assert str(g.value(URIRef(f"{res}/para/5/i"), WSIS.text)) == "accessibility; and"
    assert "paragraph 4 (a) thereof," in str(g.value(URIRef(f"{res}/preamble/1"), WSIS.text))
    # a footnote marker in an item links the item
    assert (URIRef(f"{res}/para/2/a"), WSIS.hasFootnote, URIRef(f"{res}/footnote/1")) in g
    assert any("23 lettered items" in line for line in r.report)


def test_items_roman_at_the_top_and_out_of_sequence() -> None:
    text = ("99/21. Test\n\nThe General Assembly,\n\nNoting the test,\n\n"
            "1. Requests the Secretary-General: (i) to prepare a note; (ii) to consult the "
            "regional commissions; and (iii) to report;\n\n"
            "2. Invites Member States:\n(a) To act;\n(c) To report;\n\n"
            "3. Notes that paragraph 1 (a) and (b) of resolution 99/1 are recalled.\n")
    r = import_resolution(text)
    res = RES + "A-RES-99-21"
    items = {str(p.iri)[len(res) + 1:]: p.text for p in r.parts if p.kind == "item"}
    assert items == {"para/1/i": "to prepare a note;",
                     "para/1/ii": "to consult the regional commissions; and",
                     "para/1/iii": "to report;", "para/2/a": "To act;", "para/2/c": "To report;"}
    assert "item (c) of paragraph 2 (line 11): printed (c) where the sequence gives (b); " \
        "kept as printed" in r.problems


def test_imported_items_conform_to_the_item_shape(settings: Settings) -> None:
    r = hand("items.txt")
    data = r.graph
    for p in sorted(settings.ontology_dir.glob("*.ttl")):
        data.parse(p)
    items = [p.iri for p in r.parts if p.kind == "item"]
    report = run_pyshacl(data, project_shapes(settings), focus=items)
    assert not [x for x in report.results if x.severity == "Violation"], report.results


# ---------------------------------------------------------------- faults combined

def test_reflowed_ocr_preamble_with_an_inlined_footnote_at_a_paragraph_end() -> None:
    """No blank lines, a phrase damaged by OCR after a comma, and a footnote inlined at the end
    of a paragraph (the line ends with its full stop): each paragraph still starts where it
    does (they used to run together)."""
    text = ("99/23. Test\n\nThe General Assembly,\n\n"
            "Recalling its resolution 99/1,1See A/99/10, annex.\n"
            "Rec lling also its resolution 99/2,\n"
            "Noting the report of the Secretary-General,\n"
            "1. Decides to keep this text as a test fixture.\n")
    r = import_resolution(text)
    pre = [(p.text, p.leading) for p in r.parts if p.kind == "preamble"]
    assert pre == [("Recalling its resolution 99/1,", "Recalling"),
                   ("Rec lling also its resolution 99/2,", "Recalling also"),
                   ("Noting the report of the Secretary-General,", "Noting")]
    assert r.footnotes == {1: "See A/99/10, annex."}


def test_double_spaced_text_of_short_paragraphs_and_items() -> None:
    """Double spacing where most lines end a clause (items): paragraphs are set off by longer
    blank runs, and a wrapped item is read whole."""
    text = ("99/24. Test\n\n\n\nThe General Assembly,\n\n\n\nNoting the test,\n\n\n\n"
            "1. Invites Member States:\n\n(a) To share their experience,\n\n"
            "in particular on data;\n\n(b) To act;\n\n\n\n"
            "2. Requests a report;\n\n\n\n"
            "3. Decides to keep the matter under review.\n")
    r = import_resolution(text)
    assert any("double-spaced" in line for line in r.report)
    items = [p.text for p in r.parts if p.kind == "item"]
    assert items == ["To share their experience, in particular on data;", "To act;"]
    assert not [p for p in r.problems if "ignored" in p]


def test_bullet_before_a_verb_that_lost_its_capital() -> None:
    text = ("99/25. Test\n\nThe General Assembly,\n\nNoting the test,\n"
            "– Decides to keep this text;\n– resses that it is a test fixture;\n"
            "– Requests nothing further.\n")
    r = import_resolution(text)
    ops = [(p.number, p.leading, p.number_recovered) for p in r.parts if p.kind == "operative"]
    assert ops == [("1", "Decides", True), ("2", "Stresses", True), ("3", "Requests", True)]


def test_item_markers_alone_on_their_lines() -> None:
    """PDF-to-text output of a tabular layout: "(a)" on one line, its text on the next."""
    text = ("99/26. Test\n\nThe General Assembly,\n\nNoting the test,\n\n"
            "1. Requests the Secretary-General:\n(a)\nTo prepare a note;\n(b)\nTo consult:\n"
            "(i)\nthe regional commissions;\n\n2. Decides to keep the matter under review.\n")
    r = import_resolution(text)
    res = RES + "A-RES-99-26"
    items = {str(p.iri)[len(res) + 1:]: p.text for p in r.parts if p.kind == "item"}
    assert items == {"para/1/a": "To prepare a note;", "para/1/b": "To consult:",
                     "para/1/b/i": "the regional commissions;"}


# ---------------------------------------------------------------- headers that cannot be read

HEAD_BODY = "\n\nThe General Assembly,\n\nNoting the test,\n\n1. Decides to test.\n"


def test_unreadable_adoption_date_is_reported_with_its_line() -> None:
    r = import_resolution("A/RES/99/27\nResolution adopted by the General Assembly on "
                          "2O December 2O99\n\nTest title" + HEAD_BODY)
    assert r.graph.value(r.iri, WSIS.adoptionDate) is None
    assert "line 2: 'Resolution adopted by the General Assembly on 2O December 2O99' its " \
        "adoption date could not be read: pass --date" in r.problems
    # a short text's header is no evidence of double spacing
    assert not any("double-spaced" in line for line in r.report)


def test_damaged_symbol_is_named_and_never_the_title() -> None:
    with pytest.raises(ResolutionImportError,
                       match=r"no symbol found in the text \(line 1 'A/RES/9S/l27' looks like a "
                             r"damaged one\): pass --symbol"):
        import_resolution("A/RES/9S/l27\n\nTest title" + HEAD_BODY)
    r = import_resolution("A/RES/9S/l27\n\nTest title" + HEAD_BODY, symbol="A/RES/99/27")
    assert str(r.graph.value(r.iri, URIRef("http://purl.org/dc/terms/title"))) == "Test title"
    assert "line 1: 'A/RES/9S/l27' looks like a damaged symbol, not read: pass --symbol" in \
        r.problems


def test_unrecognised_header_blocks_are_named() -> None:
    r = import_resolution("A/RES/99/27\n\nl0 Decemher 2099\n\nTest title" + HEAD_BODY)
    assert any("the last of 2 unrecognised header blocks (the others: line 3 "
               "'l0 Decemher 2099')" in p for p in r.problems), r.problems


def test_last_paragraph_with_items_ends_with_its_last_item() -> None:
    """A last paragraph whose items end with a full stop is complete (its lead-in ends with a
    colon); one whose last item does not is reported as cut off."""
    text = ("99/28. Test\n\nThe General Assembly,\n\nNoting the test,\n\n1. Decides to act.\n\n"
            "2. Requests the Secretary-General:\n(a) To prepare a note;\n(b) To report.\n")
    assert not [p for p in import_resolution(text).problems if "cut off" in p]
    r = import_resolution(text.replace("(b) To report.", "(b) To report;"))
    assert "the text seems cut off: the last item, item (b) of paragraph 2 (line 11), does not " \
        "end with a full stop" in r.problems


def test_run_in_item_marker_at_a_line_end() -> None:
    """Reflowed text may end a line with the next marker, its text on the next line."""
    text = ("99/29. Test\n\nThe General Assembly,\n\nNoting the test,\n"
            "1. Requests the Secretary-General: (a) To prepare a note; (b)\n"
            "To report thereon; and (c) To consult the commissions.\n")
    r = import_resolution(text)
    assert [(p.number, p.text) for p in r.parts if p.kind == "item"] == [
        ("a", "To prepare a note;"), ("b", "To report thereon; and"),
        ("c", "To consult the commissions.")]


def test_lower_case_phrase_after_a_comma_starts_a_paragraph() -> None:
    """OCR lost the capital of "Also": the paragraph still starts there (text without blank
    lines), and the cheap opening test lets it through."""
    assert ph.may_open_preamble("lso expressing concern") and ph.may_open_preamble("Rec lling")
    assert not ph.may_open_preamble("the Commission on Science")
    text = ("99/31. Test\n\nThe General Assembly,\n\nExpressing concern about the test,\n"
            "lso expressing concern about the fixture,\n1. Decides to act.\n")
    pre = [(p.text, p.leading) for p in import_resolution(text).parts if p.kind == "preamble"]
    assert pre == [("Expressing concern about the test,", "Expressing concern"),
                   ("lso expressing concern about the fixture,", "Also expressing concern")]
