"""Cleaning helpers on a small fixture with every kind of furniture and line-end hyphenation."""

from __future__ import annotations

from pathlib import Path

from wsis_kg.extraction.sources.text import (
    damaged_tokens,
    join_lines,
    looks_garbled,
    normalise_space,
    split_footnote_markers,
    strip_furniture,
)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "cleaning.txt"


def lines() -> list[str]:
    return strip_furniture(FIXTURE.read_text(encoding="utf-8").splitlines(),
                           running_headers=["Running Header Line"])


def test_furniture_removed_line_numbers_kept() -> None:
    cleaned = lines()
    raw = FIXTURE.read_text(encoding="utf-8").splitlines()
    assert len(cleaned) == len(raw)
    text = "\n".join(cleaned)
    for furniture in ("- 7 -", "WSIS-03/GENEVA/DOC/5-E", "****", "Running Header"):
        assert furniture not in text
    assert cleaned[2] == "12. The infor-"


def test_hyphenation_joined_but_compounds_kept() -> None:
    para = lines()[2:7]
    assert join_lines(para) == ("12. The information society is an evolving concept,1 built on "
                                "e-strategies and ICT-based services.")
    assert join_lines(["multi-", "stakeholder"]) == "multistakeholder"
    assert join_lines(["multi-", "stakeholder"], keep_hyphen={"multi-stakeholder"}) == \
        "multi-stakeholder"
    assert join_lines(["page - ", "next"]) == "page - next"


def test_whitespace_normalised() -> None:
    assert normalise_space("Next   paragraph\twith tabs\u00a0and nbsp.\n") == \
        "Next paragraph with tabs and nbsp."


def test_footnote_markers_separated() -> None:
    text, markers = split_footnote_markers("an evolving concept,1 built on outcomes.2")
    assert text == "an evolving concept, built on outcomes."
    assert markers == ["1", "2"]
    # numbers that are words stay: "resolution 56/183", "in 2015"
    assert split_footnote_markers("resolution 56/183 by 2015")[1] == []


def test_garble_screening() -> None:
    assert looks_garbled("  on nce t  P t c pe n e\ufffd a P l  de v\ufffd t  i h h  l e a h b")
    assert looks_garbled("the outcome of on ecta hytcP op ate hngbic exct  Ea e  sty,ht di otbl")
    assert not looks_garbled("b) Promote the use of ICTs (LDCs, SMMEs) at all levels; a) and ii)")
    assert damaged_tokens("ICTs ccTLD hytcP") == ["ccTLD", "hytcP"]
