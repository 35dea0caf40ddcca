"""HTTP details clients rely on: one service in the Service Description, Vary and ETag on
resource documents, 406s that say what they depend on, compressed dumps with size and date,
VoID under the public base, and error pages for browsers next to problems for programs."""

from __future__ import annotations

import pyoxigraph as ox

SD = "http://www.w3.org/ns/sparql-service-description#"


# -- the Service Description ------------------------------------------------------------------

def _sd(client) -> ox.Store:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    st = ox.Store()
    st.load(r.get_data(), format=ox.RdfFormat.TURTLE)
    return st


def test_service_description_has_one_service_the_query_endpoint(client) -> None:
    """Comunica sends queries to the ``sd:endpoint`` of the document's service: a second
    ``sd:Service`` (the update endpoint) made it post to ``/sparql/update``."""
    st = _sd(client)
    endpoints = [r["e"].value for r in st.query(
        f"SELECT ?e WHERE {{ ?s <{SD}endpoint> ?e }}")]
    assert endpoints == ["http://localhost/sparql"]
    services = list(st.query(f"SELECT ?s WHERE {{ ?s a <{SD}Service> }}"))
    assert len(services) == 1
    assert not st.query(f"ASK {{ ?s <{SD}supportedLanguage> <{SD}SPARQL11Update> }}")


def test_service_description_still_points_to_the_update_endpoint(client) -> None:
    st = _sd(client)
    assert st.query(f"""ASK {{ ?s a <{SD}Service> ;
        <http://www.w3.org/2000/01/rdf-schema#seeAlso> <http://localhost/sparql/update> .
        <http://localhost/sparql/update> a <http://www.w3.org/ns/dcat#DataService> }}""")


