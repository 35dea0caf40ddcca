"""The ONE list of W3C conformance tests (SPARQL 1.1, SHACL) this service does not pass or does
not run, with why.

SPARQL 1.1 (``EXCLUSIONS``): keys are ``<suite>/manifest#<test>`` (the test IRI after
``http://www.w3.org/2009/sparql/docs/tests/data-sparql11/``). One line of reason each.
Excluded tests still run: they are reported as expected failures (``earl:failed`` with the
reason, in test-artifacts/earl-sparql.ttl) and left out of the pass rate; one that passes fails
the run, so it is removed from this list. Whole manifests in EXCLUDED_MANIFESTS do not run.

SHACL (``SHACL_EXCLUSIONS``): keys are the test's path in tests/conformance/shacl without
``.ttl``. Each becomes an ``xfail(strict=True)`` marker in test_shacl.py: it still runs, and
one that passes (XPASS) fails the run, so it is removed from this list.
"""

EXCLUSIONS: dict[str, str] = {
    # Engine behaviour of pyoxigraph 0.5.13 (each checked against it; the vendored suite has
    # tests added or corrected after 0.5.x). No workaround in our layer: every one would mean
    # rewriting queries (paths, GRAPH scoping, aggregates, BNODE) before pyoxigraph sees them,
    # i.e. a second SPARQL engine, and a text rewrite would touch every query. Upstream
    # Oxigraph has fixes (PR numbers below) not in the 0.5.x releases; drop these on upgrade.
    "property-path/manifest#zero_or_more_set_start": (
        "pyoxigraph 0.5.13: ?s :p* :o on a graph without :o gives no row; the zero-length path "
        "from a constant gives ?s = :o (oxigraph#1815)"),
    "property-path/manifest#zero_or_more_set_end": (
        "pyoxigraph 0.5.13: :s :p* ?o on a graph without :s gives no row; the zero-length path "
        "from a constant gives ?o = :s (oxigraph#1815)"),
    "property-path/manifest#zero_or_one_set_start": (
        "pyoxigraph 0.5.13: ?s :p? :o on a graph without :o gives no row; the zero-length path "
        "from a constant gives ?s = :o (oxigraph#1815)"),
    "property-path/manifest#zero_or_one_set_end": (
        "pyoxigraph 0.5.13: :s :p? ?o on a graph without :s gives no row; the zero-length path "
        "from a constant gives ?o = :s (oxigraph#1815)"),
    "negation/manifest#graph-minus": (
        "pyoxigraph 0.5.13: in GRAPH ?g { ?a :p :o MINUS { ?b :p :o } } ?g counts as shared by "
        "both MINUS sides, so the row is removed (0 rows, expected 1) (oxigraph#1758)"),
    "aggregates/manifest#agg-empty-group-count-graph": (
        "pyoxigraph 0.5.13: GRAPH ?g { SELECT (COUNT(*) AS ?c) ... } gives one row with ?g "
        "unbound instead of one row per named graph (?c 0 and 2) (oxigraph#1758)"),
    "bindings/manifest#graph": (
        "pyoxigraph 0.5.13: a VALUES row with ?g UNDEF inside GRAPH ?g comes back with ?g "
        "unbound instead of once per named graph (2 rows, expected 3) (oxigraph#1758)"),
    "aggregates/manifest#agg-groupconcat-04": (
        'pyoxigraph 0.5.13: GROUP_CONCAT over "1"@en "2"@en gives "1 2"@en; the test, as '
        'corrected after w3c/rdf-tests#280, expects the simple literal "1 2" (oxigraph#1717)'),
    "aggregates/manifest#agg-groupconcat-06": (
        'pyoxigraph 0.5.13: GROUP_CONCAT over the one value "1"@en gives "1"@en; the test, as '
        'corrected after w3c/rdf-tests#280, expects the simple literal "1" (oxigraph#1717)'),
    "functions/manifest#bnode01": (
        'pyoxigraph 0.5.13: BNODE("foo") gives the same blank node in different solutions; '
        "SPARQL 1.1 (17.4.2.9) shares it only within one solution"),
    # Federation (SERVICE): refused by the service's allow-list check before pyoxigraph runs it.
    "service/manifest#service5": (
        "SERVICE ?service: an endpoint known only at evaluation cannot be checked against the "
        "allow-list, so it is refused (403); its IRIs come from the data, which is not mapped"),
}

#: Whole manifests not run, with why.
EXCLUDED_MANIFESTS: dict[str, str] = {
    "entailment/manifest.ttl": (
        "entailment regimes are not offered (sd:defaultEntailmentRegime is Simple entailment)"),
}

#: W3C SHACL tests the validation service (``POST /validate``, pyshacl 0.40.1) does not pass.
SHACL_EXCLUSIONS: dict[str, str] = {
    "sparql/pre-binding/shapesGraph-001":
        "pyshacl does not pre-bind $shapesGraph (it fails this test on its own too)",
}
