"""Time expressions: typed values, ranges, sessions, frequencies, and what is not a time."""

from __future__ import annotations

from datetime import date

import pytest

from wsis_kg.extraction.acts.timex import find_times, ga_session_years, ordinal_number


def one(text: str, organ: str | None = "un-general-assembly"):
    found = find_times(text, organ)
    assert len(found) == 1, found
    t = found[0]
    assert text[t.start:t.end] == t.span
    return t


def test_date_range_in_one_month() -> None:
    # GA 66/184 preamble 3
    t = one("held in Geneva from 10 to 12 December 2003,")
    assert (t.kind, t.begin, t.finish) == ("range", date(2003, 12, 10), date(2003, 12, 12))
    assert t.span == "from 10 to 12 December 2003"


def test_two_day_range_with_and() -> None:
    # GA 66/184 preamble 8: "held in Geneva on 24 and 25 October 2011"
    t = one("held in Geneva on 24 and 25 October 2011, which")
    assert (t.begin, t.finish) == (date(2011, 10, 24), date(2011, 10, 25))


def test_range_over_two_months() -> None:
    # GA 66/184 footnote 8
    t = one("Paris, 15 October-3 November 2001, vol. 1")
    assert (t.begin, t.finish) == (date(2001, 10, 15), date(2001, 11, 3))


def test_deadline_by_the_end_of_a_year() -> None:
    # GA 66/184 para 10
    t = one("to be held by the end of 2015, as recognized")
    assert (t.kind, t.value, t.relation) == ("year", 2015, "before")


def test_month_deadline() -> None:
    # Tunis draft para 20 c
    t = one("should be [defined by the UN Secretary General] by July 2006 on the basis")
    assert (t.kind, t.value, t.relation) == ("month", (2006, 7), "before")


def test_month_in_running_text() -> None:
    # ECOSOC 2009/7 para 15
    t = one("the fourth meeting of the Forum, in Egypt in November 2009;")
    assert (t.kind, t.value, t.relation) == ("month", (2009, 11), "at")


def test_full_date_not_a_range_in_a_list_of_resolutions() -> None:
    # GA 66/184 preamble 1: "56/183 of 21 December 2001, 57/238 of 20 December 2002"
    found = find_times("56/183 of 21 December 2001, 57/238 of 20 December 2002, 57/270 B")
    assert [(t.kind, t.value) for t in found] == [("date", date(2001, 12, 21)),
                                                  ("date", date(2002, 12, 20))]


@pytest.mark.parametrize("text", [
    "Economic and Social Council resolution 2009/7 of",   # a resolution number
    "7 A/66/64-E/2011/77.",                                # a document symbol
    "E/CN.16/2009/CRP.1.",
])
def test_numbers_that_are_not_years(text: str) -> None:
    assert find_times(text) == []


def test_bracketed_alternatives_of_a_draft() -> None:
    # Tunis draft para 2
    found = find_times("including poverty reduction strategies, [by 2007/2008/2009/2010].")
    assert [(t.value, t.relation, t.alternative) for t in found] == [
        (2007, "before", True), (2008, "before", True), (2009, "before", True),
        (2010, "before", True)]


def test_session_of_the_adopting_organ_has_its_years() -> None:
    # GA 66/184 para 10: "during its sixty-seventh session"
    t = one("decides to consider the modalities during its sixty-seventh session;")
    assert (t.kind, t.session_number, t.session_organ) == ("session", 67, "un-general-assembly")
    assert ga_session_years(67) == (2012, 2013)
    assert ga_session_years(66) == (2011, 2012)  # A/RES/66/184 was adopted in December 2011


def test_session_of_the_commission() -> None:
    # GA 66/184 para 17: two sessions of the CSTD
    found = find_times("until the fifteenth session of the Commission on Science and Technology "
                       "for Development …, and urges the Working Group to submit its "
                       "recommendations to the Commission at its fifteenth session, which")
    assert [(t.session_number, t.session_organ, t.relation) for t in found] == [
        (15, "cstd", "until"), (15, "cstd", "at")]


def test_its_session_named_after_the_general_assembly() -> None:
    # GA 66/184 para 20; in an ECOSOC text "its" after "the General Assembly" is the Assembly's
    t = one("to submit to the General Assembly for consideration at its sixty-seventh session,",
            organ="ecosoc")
    assert t.session_organ == "un-general-assembly"


@pytest.mark.parametrize(("text", "period"), [
    ("a report on the implementation, on a yearly basis, of", "P1Y"),  # ECOSOC 2009/7 para 49
    ("for organizing annually the ICT 4 All Forum", "P1Y"),             # GA 66/184 para 11
    ("to assess and report on a regular basis on the", None),           # ECOSOC 2009/7 para 12
])
def test_frequencies(text: str, period: str | None) -> None:
    t = one(text)
    assert (t.kind, t.period) == ("frequency", period)


def test_ordinals() -> None:
    assert [ordinal_number(w) for w in ("first", "twelfth", "sixty-seventh", "Fourteenth",
                                        "twentieth", "ninety-ninth", "one hundredth",
                                        "one hundred and first")] == [1, 12, 67, 14, 20, 99,
                                                                      100, 101]


def test_session_one_hundred() -> None:
    # tests/fixtures/importer/synthetic-resolution.txt para 2
    t = one("the provisional agenda of its one hundredth session the item")
    assert (t.session_number, ga_session_years(100)) == (100, (2045, 2046))
