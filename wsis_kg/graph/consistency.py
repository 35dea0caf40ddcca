"""OWL 2 DL checks of the ontology (and optionally the data) with HermiT, offline.

Why a real DL reasoner when the build only needs SPARQL materialisation
(``wsis_kg.graph.reasoning``)?
Because only a tableau reasoner notices that the axioms contradict each other (an unsatisfiable
class) or that the data breaks the ontology (an IRI typed both as a document and a paragraph,
which the disjointness axioms forbid). HermiT ships inside owlready2 and runs on the local
Java; nothing is downloaded.

owlready2 cannot read Turtle, so every input is parsed with rdflib and handed over as
N-Triples. Each check uses a fresh owlready2 ``World`` so runs do not leak into each other.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rdflib

from wsis_kg.errors import InputSyntaxError, ReasonerUnavailable

OWL_THING = "http://www.w3.org/2002/07/owl#Thing"
OWL_NOTHING = "http://www.w3.org/2002/07/owl#Nothing"
RDFS_SUBCLASSOF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
INFERENCES_ONTOLOGY = "http://inferrences/"  # owlready2's (misspelt) IRI for reasoner output


@dataclass
class ConsistencyResult:
    """What HermiT said about a set of RDF files."""

    consistent: bool
    #: Named classes equivalent to owl:Nothing (no instance can ever exist).
    unsatisfiable_classes: list[str] = field(default_factory=list)
    #: ``(subclass, superclass)`` pairs HermiT inferred that were not asserted.
    inferred_subclass_axioms: list[tuple[str, str]] = field(default_factory=list)
    #: ``(individual, class)`` pairs owlready2 added from HermiT's realisation: new, most
    #: specific types only (empty when the data already states them).
    inferred_types: list[tuple[str, str]] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable_classes

    def lines(self) -> list[str]:
        head = "consistent" if self.consistent else "INCONSISTENT"
        out = [f"HermiT: {head}; {len(self.unsatisfiable_classes)} unsatisfiable classes; "
               f"{len(self.inferred_subclass_axioms)} inferred subclass axioms; "
               f"{self.triples} triples in {self.seconds:.1f}s"]
        out += [f"  unsatisfiable: {c}" for c in self.unsatisfiable_classes]
        out += [f"  inferred: {a} ⊑ {b}" for a, b in self.inferred_subclass_axioms]
        return out


def java_executable() -> str:
    """Path of ``java``; raises :class:`ReasonerUnavailable` with a fix when it is missing."""
    java = shutil.which("java")
    if not java:
        raise ReasonerUnavailable(
            "HermiT needs a Java runtime (17 or later) on the PATH, and none was found. "
            "Install one (Debian: apt-get install openjdk-17-jre-headless) and retry."
        )
    return java


def has_java_compiler(java: str) -> bool:
    """True when ``java`` can run single-file source programs (a JDK, not only a JRE)."""
    proc = subprocess.run([java, "--list-modules"], capture_output=True, text=True,
                          timeout=60, check=False)
    return "jdk.compiler@" in proc.stdout


def read_rdf(paths: Iterable[Path]) -> rdflib.Graph:
    """Parse Turtle/TriG/RDF files into one rdflib graph (named graphs are merged)."""
    graph = rdflib.Graph()
    for path in paths:
        fmt = rdflib.util.guess_format(str(path)) or "turtle"
        try:
            if fmt in ("trig", "nquads"):
                ds = rdflib.Dataset()
                ds.parse(path, format=fmt)
                for s, p, o, _g in ds.quads((None, None, None, None)):
                    graph.add((s, p, o))
            else:
                graph.parse(path, format=fmt)
        except Exception as e:  # rdflib raises several unrelated types for bad syntax
            raise InputSyntaxError(f"{path}: {e}", source=str(path)) from None
    return graph


def check_consistency(paths: Iterable[Path], *, ignore_unsupported_datatypes: bool = True,
                      memory_mb: int = 1000) -> ConsistencyResult:
    """Load ``paths`` (ontology, optionally data) into owlready2 and run HermiT.

    ``ignore_unsupported_datatypes``: xsd:date and xsd:gYear (used by the ontology's ranges and
    the data) are not in the OWL 2 datatype map; HermiT would refuse them otherwise. Literals of
    those types are then treated as opaque values, which is what we want.
    """
    import owlready2  # heavy import: only when a check actually runs
    from owlready2.base import OwlReadyInconsistentOntologyError, OwlReadyJavaError

    paths = list(paths)
    owlready2.JAVA_EXE = java_executable()
    owlready2.reasoning.JAVA_MEMORY = memory_mb
    graph = read_rdf(paths)
    result = ConsistencyResult(consistent=True, triples=len(graph),
                               files=[str(p) for p in paths])
    data = graph.serialize(format="nt", encoding="utf-8")

    world = owlready2.World()
    t0 = time.monotonic()
    try:
        world.get_ontology("https://w3id.org/wsis-kg/check").load(
            fileobj=io.BytesIO(data), format="ntriples")
        asserted = _subclass_pairs(world, graph)
        try:
            with world.get_ontology(INFERENCES_ONTOLOGY):
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=False, debug=0,
                    ignore_unsupported_datatypes=ignore_unsupported_datatypes)
        except OwlReadyInconsistentOntologyError:
            result.consistent = False
            return result
        except OwlReadyJavaError as e:
            raise ReasonerUnavailable(f"HermiT failed: {str(e).strip()[-2000:]}") from None
        result.unsatisfiable_classes = sorted(
            c.iri for c in world.inconsistent_classes() if c.iri != OWL_NOTHING)
        inferred = world.get_ontology(INFERENCES_ONTOLOGY)
        subclass_storid = world._abbreviate(RDFS_SUBCLASSOF)
        type_storid = world._abbreviate(RDF_TYPE)
        pairs: set[tuple[str, str]] = set()
        types: set[tuple[str, str]] = set()
        for s, p, o in inferred.get_triples(None, None, None):
            if not (isinstance(s, int) and isinstance(o, int) and s > 0 and o > 0):
                continue  # blank nodes and literals are not named axioms
            if p == subclass_storid:
                pairs.add((world._unabbreviate(s), world._unabbreviate(o)))
            elif p == type_storid:
                types.add((world._unabbreviate(s), world._unabbreviate(o)))
        result.inferred_subclass_axioms = sorted(
            (a, b) for a, b in pairs if (a, b) not in asserted and b != OWL_THING)
        result.inferred_types = sorted(
            (a, b) for a, b in types if not b.startswith("http://www.w3.org/2002/07/owl#"))
    finally:
        result.seconds = time.monotonic() - t0
        world.close()
    return result


# OWL API's OWL 2 DL profile checker (the OWL API jar ships with owlready2, next to Pellet).
# Run with Java's single-file source launcher, so no build step and nothing to download.
_DL_PROFILE_JAVA = """
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.*;
import org.semanticweb.owlapi.profiles.*;
public class DLProfile {
  public static void main(String[] a) throws Exception {
    OWLOntologyManager m = OWLManager.createOWLOntologyManager();
    OWLOntology o = m.loadOntologyFromOntologyDocument(new java.io.File(a[0]));
    for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(o).getViolations())
      System.out.println(v.getClass().getSimpleName() + ": " + v);
  }
}
"""


def dl_profile_violations(paths: Iterable[Path], *, timeout: float = 120.0) -> list[str]:
    """OWL 2 DL profile violations of ``paths`` merged (empty list: the files are OWL 2 DL).

    Why: punning mistakes (one IRI used as object and data property, an annotation property
    used on data...) do not make HermiT fail, yet they take the ontology out of OWL 2 DL.
    """
    import owlready2

    java = java_executable()
    if not has_java_compiler(java):
        raise ReasonerUnavailable(
            "The OWL 2 DL profile check runs Java source code and needs a JDK, but this Java "
            "has no compiler (jdk.compiler). Install one (Debian: apt-get install "
            "default-jdk-headless) and retry.")
    jar = Path(owlready2.__file__).parent / "pellet" / "owlapi-distribution-3.4.3-bin.jar"
    if not jar.exists():
        raise ReasonerUnavailable(f"OWL API jar not found at {jar} (owlready2 layout changed?)")
    graph = read_rdf(paths)
    with tempfile.TemporaryDirectory(prefix="wsis-dl-") as tmp:
        src, owl = Path(tmp) / "DLProfile.java", Path(tmp) / "input.owl"
        src.write_text(_DL_PROFILE_JAVA, encoding="utf-8")
        graph.serialize(owl, format="xml")
        proc = subprocess.run([java, "-cp", str(jar), str(src), str(owl)], capture_output=True,
                              text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise ReasonerUnavailable(
            "OWL 2 DL profile check failed (needs a full JDK for the source launcher): "
            + proc.stderr.strip()[-1500:])
    return sorted({line.strip() for line in proc.stdout.splitlines() if line.strip()})


def _subclass_pairs(world, graph: rdflib.Graph) -> set[tuple[str, str]]:
    """Asserted named subclass pairs, to tell HermiT's new findings from what we wrote."""
    return {(str(s), str(o)) for s, o in graph.subject_objects(rdflib.RDFS.subClassOf)
            if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef)}


def main(argv: list[str] | None = None) -> int:
    """``python -m wsis_kg.graph.consistency [--data] [--profile] [FILE...]``: HermiT's verdict."""
    import argparse

    from wsis_kg.graph.build import data_files
    from wsis_kg.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m wsis_kg.graph.consistency",
                                     description=main.__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="extra RDF files to include")
    parser.add_argument("--data", action="store_true", help="include every file of data/")
    parser.add_argument("--profile", action="store_true", help="also check the OWL 2 DL profile")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    paths = sorted(settings.ontology_dir.glob("*.ttl")) + list(args.files)
    if args.data:
        paths += data_files(settings)
    try:
        result = check_consistency(paths)
        print("\n".join(result.lines()))
        ok = result.ok
        if args.profile:
            violations = dl_profile_violations(paths)
            print(f"OWL 2 DL profile: {len(violations)} violations")
            print("\n".join(f"  {v}" for v in violations))
            ok = ok and not violations
    except (ReasonerUnavailable, InputSyntaxError) as e:
        print(f"error: {e.detail}")
        return e.exit_code
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
