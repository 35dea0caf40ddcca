"""Mandates: who a provision asks to do what, by when, reporting to whom.

Where mandates are read (one part can hold several):

* an operative paragraph of a resolution, clause by clause: each operative verb of
  :data:`~wsis_kg.extraction.acts.scheme.CLAUSE_VERB` opens a clause ("Recalls …, takes note of
  …, invites the Chair … to convene …, and requests the Secretary-General to include …" is two
  mandates); a paragraph that ends "Requests the Secretary-General:" hands its verb and
  addressee to its items "(a) To submit …";
* a paragraph of a summit text, in the clauses whose subject is "We" ("We invite the
  international community to strengthen …");
* a lettered item of a plan or draft that asks someone to act: "<subject> should …" (kind
  *should*, the subject its addressee), "<subject> is encouraged to …" (the passive of an
  operative verb: its kind) or an imperative ("Develop …", kind *action-item*, or
  *encourages*/*invites* for "Encourage …"/"Invite …"), addressed to all stakeholders.

In a clause "<verb> <addressee> to <action>", the addressee is the words between the verb and
the "to" that opens the action ("to the 2015 review" does not: an action starts with a verb,
not "the"); "<verb> that <addressee> <action>" names it after "that". Words that start with
neither an article, "all", a capital nor a known name ("Encourages strengthened … cooperation
…"), or that name an activity ("Encourages the development of …"), are the object of the act,
not an addressee, and the mandate has none. In a passive provision the addressee is the agent
("should be encouraged by all countries"), if the text names one.

Addressees are resolved to the organisations, posts and stakeholder groups the curated data
describes (:class:`Resolver`); "the Commission", "the Working Group", "The group" are the last
body of that name the document named before (:class:`DocumentContext`). The subject of a provision
is the whole list before its verb ("Government, civil society and the private sector are
encouraged …"), not an aside after it ("Governments, in cooperation with other stakeholders,
should …"); "we" are the governments that adopt the plan; a clause that qualifies an addressee
("those governments that have not yet done so") names no one. The words are kept as printed
(``wsis:addresseeText``); when they resolve to nothing, or only in part, the mandate carries an
``wsis:extractionNote`` that says which words name no one.

Run-on drafts ("… relevant Action Lines request ITU to continue …", Tunis draft para 22) have
operative verbs in mid-clause; those count when a known name and "to <action>" follow them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from wsis_kg.extraction.acts.scheme import (
    BY_SLUG,
    CLAUSE_VERB,
    MODAL,
    ActKind,
    imperative_kind,
    kind_of,
)
from wsis_kg.extraction.mentions import (
    NAME_PROPERTIES,
    Name,
    find_matches,
    fold,
    gazetteer_names,
    name_pattern,
)
from wsis_kg.namespaces import ID, WSIS

ALL_STAKEHOLDERS = ID["stakeholder-group/all-stakeholders"]
GOVERNMENTS = ID["stakeholder-group/governments"]

#: Head nouns a text uses alone for a body it has named in full before ("the Commission"; "The
#: group should …" after "a working group on Internet governance", Plan of Action para 13 b).
ANAPHORA = re.compile(r"\b[Tt]he\s+(?P<head>[Cc]ommission|[Ww]orking\s+[Gg]roup|[Cc]ouncil|"
                      r"[Pp]artnership|[Ff]orum|[Gg]roup)\b(?!\s+(?:on|of|for)\s+[A-Z])")
#: Words of an addressee phrase that name nobody ("the … and other …, as well as …").
FILLER = frozenset("the and or all other its their as well of in including those each every "
                   "relevant respective also".split())
#: An operative verb in mid-clause, for run-on drafts (see :func:`clause_mandates`).
RUN_ON = re.compile(r"\b(?P<verb>(?P<requests>requests?)|(?P<invites>invites?)|(?P<urges>urges?))"
                    r"\s+(?=[A-Z])")
#: A parenthetical between the verb and the addressee.
ASIDE = re.compile(r"\s*,\s*[^,]{1,40},\s*")
#: The object of an act, not an addressee: "Encourages the development of …".
OBJECT = re.compile(r"(?:the\s+)?\w+(?:ment|tion|sion|ance|ence|use|ing)\s+of\b", re.IGNORECASE)
ARTICLE = re.compile(r"(?:the|all|its|their|those|each|every)\b", re.IGNORECASE)
ACTION_TO = re.compile(r"\s+to\s+(?!(?:the|a|an|its|their|this|that|these|those|\d)\b)(?=[a-z])")
REPORT = re.compile(r"\b(?:submit|report)\b")
REPORT_TO = re.compile(r"\b(?:submit|report)\s+(?:\w+\s+){0,2}to\s+(?P<to>the\s+[A-Z][^,;]*?)"
                       r"(?=\s+(?:for|through|on|at|in)\b|[,;]|$)")
REPORT_VIA = re.compile(r"\bthrough\s+(?P<via>the\s+[A-Z][^;]*?)"
                        r"(?=,\s+(?:a|an|his)\s|\s+on\s+the\s|[;]|$)")
REPORT_WHAT = re.compile(r"\b(?:(?:a|an|his|her|its)\s+(?:\w+\s+)?(?:report|executive\s+summary|"
                         r"recommendations)|report(?:\s+regularly)?)\b(?:\s+to\s+[^;]*?(?=\s+on\s))?(?P<on>\s+on\s[^;]*)?")
#: Where the words naming an addressee end: ", within their respective mandates".
ADVERBIAL = re.compile(r",\s+(?:within|in|through|with|on|at|for|during|upon)\b")
#: An act in the passive: "Each country is encouraged to establish …", "Governments are
#: invited to:" — the subject is the addressee.
PASSIVE_ACT = re.compile(r"\b(?:is|are)\s+(?:(?:also|further|strongly)\s+)?(?P<verb>encouraged|"
                         r"invited|urged|requested|called\s+upon)\s+to\b")
PASSIVE_KIND = {"encouraged": "encourages", "invited": "invites", "urged": "urges",
                "requested": "requests", "called upon": "calls-upon"}
#: Chunks before a subject that are not the subject: "In developing …", "By 2005".
LEADING_ADVERBIAL = re.compile(r"(?:in|by|at|for|within|through|to|on|upon|with|and|according|"
                               r"based|while|where|when|as)\b", re.IGNORECASE)
#: The agent of a passive provision: "should be encouraged by all countries by 2005".
PASSIVE_AGENT = re.compile(r"\bby\s+(?!the\s+end\b)"
                           r"(?P<who>(?:all|the|relevant|each)\b[^,;.\]]*?)"
                           r"(?=\s+by\b|[,;.\]]|$)")
SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])")
#: Where the words that name an addressee give way to a clause that qualifies it ("those
#: governments that have not yet done so", "UN agencies, listed in the Annex", "the United Nations
#: entities still not actively cooperating …"): only the words before it name someone.
QUALIFIER = re.compile(r",?\s+(?:that|which|who|whose|listed|named|mentioned|still)\b")
#: A subject that is an activity without "of" ("The facilitation could should include …").
ACTIVITY = re.compile(r"(?:the\s+)?\w+(?:tion|sion)(?:\s+(?:could|would))?", re.IGNORECASE)
#: The first person of a plan or draft: "we" are the governments that adopt it (the issuer).
WE = re.compile(r"[Ww]e")
MAX_WORDS = 30


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    entity: URIRef


class Resolver:
    """Names of organisations, posts and stakeholder groups → IRIs, with the anaphora of a
    document ("the Commission" after "the Commission on Science and Technology …")."""

    def __init__(self, gazetteer: Graph, ontology: Graph) -> None:
        self.names = [n for n in gazetteer_names(gazetteer, ontology)
                      if n.kind in ("organisation", "post")]
        self.groups: list[Name] = []
        for s in sorted(set(gazetteer.subjects(RDF.type, WSIS.StakeholderGroup))):
            for p in NAME_PROPERTIES:
                for o in gazetteer.objects(s, p):
                    label = " ".join(str(o).split())
                    self.groups.append(Name(s, "stakeholder-group", label,
                                            name_pattern(label, False), fold(label).lower()))
        self.labels = {s: str(o) for s, o in gazetteer.subject_objects(SKOS.prefLabel)
                       if isinstance(s, URIRef)}

    def matches(self, text: str) -> list[Found]:
        """Outermost name matches in ``text`` (a name inside a longer one does not count)."""
        raw = [Found(m.start, m.end, m.entity) for m in find_matches(text, self.names, {})]
        folded = fold(text)
        for n in self.groups:
            raw += [Found(m.start(), m.end(), n.entity) for m in n.pattern.finditer(folded)]
        keep = [f for f in raw if not any(
            (o.start <= f.start and f.end <= o.end) and (o.end - o.start) > (f.end - f.start)
            for o in raw)]
        return sorted(set(keep), key=lambda f: (f.start, str(f.entity)))

    def heads(self, entity: URIRef) -> list[str]:
        """The head nouns "the <head>" can stand for ``entity`` by: in the name before its
        first "on", "of" or "for" ("Commission on Science …", not "Chair of the Commission
        …"; "Working Group on Improvements to the … Forum" is no Forum)."""
        label = re.split(r"\s+(?:on|of|for)\s+", self.labels.get(entity, ""))[0]
        return [h for h in ("Commission", "Working Group", "Council", "Partnership", "Forum",
                            "Group") if h in label]


@dataclass
class Mandate:
    part: URIRef
    start: int
    end: int
    kind: ActKind
    addressee_text: str | None = None
    addressees: list[URIRef] = field(default_factory=list)
    asks: str | None = None
    report_text: str | None = None
    report_to: list[URIRef] = field(default_factory=list)
    report_via: list[URIRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _head(phrase: str) -> str:
    """The words of an addressee phrase before a qualifying clause (:data:`QUALIFIER`)."""
    q = QUALIFIER.search(phrase)
    return phrase[:q.start()] if q else phrase


def _short(s: str) -> str:
    s = " ".join(s.strip(" ,;:.").split())
    words = s.split()
    return s if len(words) <= MAX_WORDS else " ".join(words[:MAX_WORDS]) + " …"


def _head_key(head: str) -> str:
    """"working  group" → "Working Group": the key :meth:`DocumentContext.read` files heads by."""
    return " ".join(w.capitalize() for w in head.split())


class DocumentContext:
    """The names a document has used so far, for "the Commission" and the like."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.last: dict[str, URIRef] = {}

    def read(self, text: str, upto: int | None = None) -> dict[str, URIRef]:
        """Names seen in ``text[:upto]`` on top of those of earlier parts (not stored)."""
        last = dict(self.last)
        for f in self.resolver.matches(text[:upto] if upto is not None else text):
            for h in self.resolver.heads(f.entity):
                last[_head_key(h)] = f.entity
        return last

    def advance(self, text: str) -> None:
        self.last = self.read(text)

    def resolve(self, text: str, phrase_start: int, phrase_end: int) -> list[URIRef]:
        """Entities named in ``text[phrase_start:phrase_end]``, anaphora included."""
        phrase = text[phrase_start:phrase_end]
        found = self.resolver.matches(phrase)
        out = [f.entity for f in found]
        seen = self.read(text, phrase_start)
        for m in ANAPHORA.finditer(phrase):
            if any(f.start <= m.start("head") < f.end for f in found):
                continue
            e = seen.get(_head_key(m.group("head")))
            if e is not None:
                out.append(e)
        return list(dict.fromkeys(out))


def _note_addressee(m: Mandate, ctx: DocumentContext) -> None:
    """Say so when the words naming the addressee resolved to nothing, or only in part ("the
    World Health Organization, … and other United Nations agencies and bodies": WHO, ITU and
    the United Nations are resolved, "agencies and bodies" are not)."""
    if not m.addressee_text or WE.fullmatch(m.addressee_text):
        return
    if not m.addressees:
        m.notes.append(f"addressee \"{m.addressee_text}\" not resolved to an organisation, post "
                       "or stakeholder group")
        return
    words = _head(m.addressee_text)
    spans = [(f.start, f.end) for f in ctx.resolver.matches(words)]
    spans += [(a.start(), a.end()) for a in ANAPHORA.finditer(words)]
    rest = "".join(" " if any(a <= i < b for a, b in spans) else c for i, c in enumerate(words))
    left = [w for w in re.findall(r"[A-Za-z][\w-]*", rest) if w.lower() not in FILLER]
    if left:
        m.notes.append(f"addressee \"{m.addressee_text}\" only partly resolved: "
                       f"\"{' '.join(left)}\" names no organisation, post or stakeholder group")


def _names_someone(phrase: str, ctx: DocumentContext) -> bool:
    """Whether ``phrase`` opens with a name, after filler words only ("relevant international
    organizations" does; "strengthened … cooperation between and among stakeholders" does not)."""
    found = ctx.resolver.matches(phrase)
    return bool(found) and all(w.lower() in FILLER for w in phrase[:found[0].start].split())


def _report(m: Mandate, text: str, ctx: DocumentContext) -> None:
    """The report a mandate asks for, to whom and through whom (``text[m.start:m.end]``)."""
    if not REPORT.search(text, m.start, m.end):
        return
    to = REPORT_TO.search(text, m.start, m.end)
    if to:
        m.report_to = ctx.resolve(text, to.start("to"), to.end("to"))
    via = REPORT_VIA.search(text, m.start, m.end)
    if via:
        m.report_via = ctx.resolve(text, via.start("via"), via.end("via"))
    what = REPORT_WHAT.search(text, m.start, m.end)
    if what:
        m.report_text = _short(what.group(0))


def _clause_mandate(part: URIRef, text: str, start: int, verb_end: int, end: int, kind: ActKind,
                    ctx: DocumentContext) -> Mandate:
    m = Mandate(part, start, end, kind)
    rest = text[verb_end:end]
    aside = ASIDE.match(rest)  # "We encourage, as appropriate, those governments …"
    lead = aside.end() if aside else len(rest) - len(rest.lstrip())
    that = re.match(r"\s*that\s+", rest)
    if that:
        found = ctx.resolver.matches(rest[that.end():])
        first = found[0] if found else None
        body = rest[that.end():]
        anaphor = ANAPHORA.match(body)
        if first is not None and first.start <= 4:
            m.addressee_text = _short(body[:first.end])
            m.addressees = [first.entity]
            m.asks = _short(body[first.end:])
        elif anaphor is not None:
            m.addressee_text = anaphor.group(0)
            m.addressees = ctx.resolve(text, verb_end + that.end(),
                                       verb_end + that.end() + anaphor.end())
            m.asks = _short(body[anaphor.end():])
        else:
            m.asks = _short(body)
    else:
        to = ACTION_TO.search(rest)
        phrase = rest[lead:to.start()] if to else ""
        if to and (not phrase or (not OBJECT.match(phrase) and (
                _names_someone(phrase, ctx) or ARTICLE.match(phrase) or phrase[0].isupper()))):
            m.asks = _short(rest[to.end():])
            if phrase:
                cut = ADVERBIAL.search(phrase)
                phrase = phrase[:cut.start()] if cut else phrase
                m.addressee_text = _short(phrase)
                m.addressees = ctx.resolve(text, verb_end + lead,
                                           verb_end + lead + len(_head(phrase)))
        elif text[end:end + 1] == ":" and rest.strip():
            # "Requests the Secretary-General:" and the items say what (delegated_items)
            m.addressee_text = _short(rest)
            m.addressees = ctx.resolve(text, verb_end + lead, end)
        else:
            m.asks = _short(rest)
    _note_addressee(m, ctx)
    _report(m, text, ctx)
    return m


def clause_mandates(part: URIRef, text: str, ctx: DocumentContext, *,
                    first_person: bool) -> list[Mandate]:
    """The mandates of a paragraph's clauses; ``first_person``: only clauses of "We …"."""
    verbs = list(CLAUSE_VERB.finditer(text))
    if first_person:
        verbs = [v for v in verbs if re.search(r"\b[Ww]e\b[^.;]*$", text[:v.start("verb")])
                 or re.search(r"\b[Ww]e\s+$", text[:v.start("verb")])]
    # "We call upon and encourage X to …": one act, of the first verb's kind
    acts: list[tuple[int, int, ActKind]] = []
    for i, v in enumerate(verbs):
        if i and text[verbs[i - 1].end("verb"):v.start()].strip() == "and":
            acts[-1] = (acts[-1][0], v.end("verb"), acts[-1][2])
        else:
            acts.append((v.start(), v.end("verb"), kind_of(v)))
    # a run-on draft ("… relevant Action Lines request ITU to continue …"): a verb in mid-clause
    # counts when a known name follows it directly and then "to <action>"
    if first_person or not acts:
        starts = {a[0] for a in acts}
        for v in RUN_ON.finditer(text):
            if v.start() in starts or any(a[0] <= v.start() < a[1] for a in acts):
                continue
            found = ctx.resolver.matches(text[v.end("verb"):v.end("verb") + 200])
            if found and found[0].start <= 1 and ACTION_TO.match(
                    text, v.end("verb") + found[0].end):
                acts.append((v.start(), v.end("verb"), kind_of(v)))
        acts.sort(key=lambda a: a[0])
    out = []
    for i, (start, verb_end, kind) in enumerate(acts):
        end = acts[i + 1][0] if i + 1 < len(acts) else len(text)
        sentence = SENTENCE_END.search(text, verb_end, end)
        end = sentence.start() + 1 if sentence else end
        clause_end = len(text[:end].rstrip(" ,;.:"))
        clause_end = clause_end - 4 if text[:clause_end].endswith(" and") else clause_end
        out.append(_clause_mandate(part, text, start, verb_end, clause_end, kind, ctx))
    return out


def _modal_mandate(part: URIRef, text: str, start: int, end: int, modal: re.Match[str],
                   ctx: DocumentContext, kind: ActKind | None = None) -> Mandate:
    """"<subject> should <action>" (or "<subject> is encouraged to <action>", of ``kind``) in
    the sentence ``text[start:end]``."""
    m = Mandate(part, start, end, kind or BY_SLUG["should"])
    # the subject: the first comma-separated chunk before the modal that is not an adverbial
    # ("In developing … e-strategies, stakeholders should", "By 2005, relevant … should")
    head = text[start:modal.start()]
    chunks = [(start + c.start(), c.group(0)) for c in re.finditer(r"[^,]+", head)]
    chunks = [(i, c) for i, c in chunks if c.strip() and not LEADING_ADVERBIAL.match(c.strip())]
    rest = text[modal.end():end]
    passive = re.match(r"\s+be\s+\[?\w+", rest) is not None
    subject_at, subject = chunks[0] if chunks else (start, "")
    # a list goes on in the next chunks ("Government, civil society and the private sector are
    # encouraged", "Governments, and other stakeholders, should"); an aside does not
    # ("Governments, in cooperation with other stakeholders, should", "Each UN agency, according
    # to its mandate …, should")
    if not (OBJECT.match(subject.strip()) or ACTIVITY.fullmatch(subject.strip())):
        for at, chunk in chunks[1:]:
            if at != subject_at + len(subject) + 1 or not _names_someone(chunk, ctx) and not \
                    re.match(r"\s*(?:and|or)\b", chunk):
                break
            subject = text[subject_at:at + len(chunk)]
    subject_at += len(subject) - len(subject.lstrip())
    subject = subject.strip()
    if passive:
        by = PASSIVE_AGENT.search(rest)
        if by:
            s0 = modal.end() + by.start("who")
            m.addressee_text = _short(by.group("who"))
            m.addressees = ctx.resolve(text, s0, s0 + len(by.group("who")))
        else:
            m.notes.append("passive provision: the text does not say who is to act")
    elif not subject or OBJECT.match(subject) or ACTIVITY.fullmatch(subject):
        m.notes.append(f"the subject \"{_short(subject)}\" is an activity: the text does not "
                       "say who is to act")
    elif WE.fullmatch(subject):
        m.addressee_text = subject
        m.addressees = [GOVERNMENTS]
    else:
        m.addressee_text = _short(subject)
        m.addressees = ctx.resolve(text, subject_at, subject_at + len(_head(subject)))
    m.asks = _short(rest)
    _note_addressee(m, ctx)
    _report(m, text, ctx)
    return m


def item_mandates(part: URIRef, text: str, ctx: DocumentContext) -> list[Mandate]:
    """The mandates of a lettered item of a plan or draft: an imperative opening sentence,
    and every sentence that says what someone should do."""
    out: list[Mandate] = clause_mandates(part, text, ctx, first_person=True)
    start = len(text) - len(text.lstrip("[ "))
    bounds = [start] + [e.end() for e in SENTENCE_END.finditer(text, start)] + [len(text)]
    for i, (s0, s1) in enumerate(zip(bounds, bounds[1:], strict=False)):
        end = len(text[:s1].rstrip(" ;.]"))
        if any(s0 <= m.start < end for m in out):  # "We ask the Secretary General to …"
            continue
        first = text[s0:end].split()[0] if text[s0:end].split() else ""
        imperative = imperative_kind(first) if i == 0 else None
        modal = MODAL.search(text, s0, end)
        relative = modal is not None and re.search(r"\b(?:that|which|who)\s*$",
                                                   text[s0:modal.start()]) is not None
        if imperative is not None and (modal is None or relative or modal.start() - s0 >= 80):
            m = Mandate(part, s0, end, imperative, addressees=[ALL_STAKEHOLDERS])
            m.asks = _short(text[s0:end])
            m.notes.append("imperative item: addressed to all who implement the plan "
                           "(governments and all other stakeholders)")
            _report(m, text, ctx)
            out.append(m)
        elif (act := PASSIVE_ACT.search(text, s0, end)) is not None and (
                modal is None or act.start() <= modal.start()):
            verb = " ".join(act.group("verb").split())
            out.append(_modal_mandate(part, text, s0, end, act, ctx, BY_SLUG[PASSIVE_KIND[verb]]))
        elif modal is not None:
            out.append(_modal_mandate(part, text, s0, end, modal, ctx))
    return sorted(out, key=lambda m: m.start)


def delegated_items(parent: Mandate, items: list[tuple[URIRef, str]],
                    ctx: DocumentContext) -> list[Mandate]:
    """"Requests the Secretary-General: (a) To submit …", "Governments are invited to: i)
    facilitate …": each item that opens with an action is a mandate of the parent's kind and
    addressee."""
    out = []
    for iri, text in items:
        m = re.match(r"\s*(?:[Tt]o\s+)?(?=[a-z])", text)
        if m is None:
            continue
        d = Mandate(iri, m.end(), len(text.rstrip(" ;.")), parent.kind, parent.addressee_text,
                    list(parent.addressees), _short(text[m.end():]), notes=list(parent.notes))
        _report(d, text, ctx)
        out.append(d)
    return out


def mandate_triples(g: Graph, m: Mandate, iri: URIRef, issuer: URIRef | None,
                    concerns: list[URIRef]) -> None:
    g.add((iri, RDF.type, WSIS.Mandate))
    g.add((iri, WSIS.actKind, m.kind.iri))
    g.add((iri, DCTERMS.source, m.part))
    g.add((iri, WSIS.spanStart, Literal(m.start)))
    g.add((iri, WSIS.spanEnd, Literal(m.end)))
    if issuer is not None:
        g.add((iri, WSIS.issuedBy, issuer))
    for a in m.addressees:
        g.add((iri, WSIS.addressee, a))
    if m.addressee_text:
        g.add((iri, WSIS.addresseeText, Literal(m.addressee_text)))
    if m.asks:
        g.add((iri, WSIS.asks, Literal(m.asks, lang="en")))
    if m.report_text:
        g.add((iri, WSIS.reportText, Literal(m.report_text, lang="en")))
    for r in m.report_to:
        g.add((iri, WSIS.reportTo, r))
    for r in m.report_via:
        g.add((iri, WSIS.reportVia, r))
    for c in concerns:
        g.add((iri, WSIS.mandateConcerns, c))
    for n in m.notes:
        g.add((iri, WSIS.extractionNote, Literal(n, lang="en")))
