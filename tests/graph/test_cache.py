"""The cache of the built graph: keyed by its inputs, verified on read, atomic, shared safely."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wsis_kg.graph import cache
from wsis_kg.graph.build import CACHE_KIND, BuildReport, build, cache_key, open_or_build
from wsis_kg.graph.dump import canonical_nquads
from wsis_kg.settings import Settings, default_cache_dir
from wsis_kg.store.embedded import OxigraphStore

MINI = Path(__file__).parents[1] / "fixtures" / "build" / "mini"
ROOT = Path(__file__).parents[2]
OPTIONS = {"reason": True, "check_shapes": True, "consistency": False}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the mini project (with a source text), so a test may change its inputs."""
    root = tmp_path / "project"
    shutil.copytree(MINI, root)
    (root / "data" / "sources").mkdir()
    (root / "data" / "sources" / "plan.txt").write_text("Geneva Plan of Action\n")
    return root


def settings_for(root: Path, cache_dir: Path) -> Settings:
    return Settings(project_root=root, cache_dir=str(cache_dir))


def start(settings: Settings) -> tuple[OxigraphStore, BuildReport]:
    """What a service start does: open the (in-memory) store, build or read the cache."""
    reports: list[BuildReport] = []
    store = open_or_build(settings, on_build=reports.append, **OPTIONS)
    assert isinstance(store, OxigraphStore) and len(reports) == 1
    return store, reports[0]


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{CACHE_KIND}-*{cache.SUFFIX}"))


def test_first_start_builds_and_fills_the_cache_later_starts_read_it(project, tmp_path) -> None:
    s = settings_for(project, tmp_path / "cache")
    built, first = start(s)
    assert not first.cached_from and len(entries(tmp_path / "cache")) == 1
    warm, second = start(s)
    assert second.cached_from == str(entries(tmp_path / "cache")[0])
    assert "read from the cache" in second.lines()[0]
    # The same report (counts, reasoning, shapes verdict) and the same dataset, blank node
    # included, as the dump's canonical form shows.
    assert (second.triples_per_graph, second.entities_per_class, second.inferred,
            second.conforms, second.violations) == (
        first.triples_per_graph, first.entities_per_class, first.inferred, first.conforms,
        first.violations)
    assert canonical_nquads(warm) == canonical_nquads(built)
    assert len(warm) == second.total


def test_an_empty_on_disk_store_is_filled_from_the_cache(project, tmp_path) -> None:
    memory, _ = start(settings_for(project, tmp_path / "cache"))
    s = settings_for(project, tmp_path / "cache").with_(store=str(tmp_path / "db"))
    reports: list[BuildReport] = []
    disk = open_or_build(s, on_build=reports.append, **OPTIONS)
    try:
        assert reports[0].cached_from and canonical_nquads(disk) == canonical_nquads(memory)
    finally:
        disk.close()
        del disk  # RocksDB's lock goes with the store object
    # Reopened, it is not empty: nothing is built or read again.
    reports.clear()
    again = open_or_build(s, on_build=reports.append, **OPTIONS)
    again.close()
    assert not reports


@pytest.mark.slow
def test_cached_start_gives_the_uncached_dataset_on_the_shipped_graph(tmp_path) -> None:
    s = Settings(project_root=ROOT, cache_dir=str(tmp_path / "cache"))
    uncached = OxigraphStore()
    build(s, uncached, check_shapes=False)
    opts = {"reason": True, "check_shapes": False}
    first = open_or_build(s, **opts)   # builds, writes the cache
    reports: list[BuildReport] = []
    second = open_or_build(s, on_build=reports.append, **opts)  # reads it
    assert reports and reports[0].cached_from
    assert canonical_nquads(second) == canonical_nquads(uncached) == canonical_nquads(first)


@pytest.mark.parametrize("changed", [
    "ontology/mini.ttl", "shapes/mini.ttl", "data/curated/orgs.ttl", "data/extracted/doc.ttl",
    "data/sources/plan.txt"])
def test_a_change_to_any_input_changes_the_key(project, tmp_path, changed: str) -> None:
    s = settings_for(project, tmp_path / "cache")
    before = cache_key(s, **OPTIONS)
    assert cache_key(s, **OPTIONS) == before  # stable
    with (project / changed).open("a", encoding="utf-8") as f:
        f.write("\n# an edit\n")
    assert cache_key(s, **OPTIONS) != before


def test_a_new_data_file_options_and_code_are_part_of_the_key(project, tmp_path) -> None:
    s = settings_for(project, tmp_path / "cache")
    before = cache_key(s, **OPTIONS)
    assert cache_key(s, **{**OPTIONS, "consistency": True}) != before
    assert cache_key(s, **{**OPTIONS, "reason": False}) != before
    new = project / "data" / "curated" / "more.ttl"
    new.write_text((project / "data" / "curated" / "orgs.ttl").read_text(encoding="utf-8"))
    assert cache_key(s, **OPTIONS) != before
    code = project / "code.py"
    code.write_text("x = 1\n")
    key = cache.input_key([], root=project, code=[code])
    code.write_text("x = 2\n")
    assert cache.input_key([], root=project, code=[code]) != key


def test_a_changed_data_file_rebuilds_the_graph(project, tmp_path) -> None:
    s = settings_for(project, tmp_path / "cache")
    start(s)
    with (project / "data" / "curated" / "orgs.ttl").open("a", encoding="utf-8") as f:
        f.write('wsisid:org\\/unesco a wsis:UNSpecialisedAgency ; '
                'skos:prefLabel "UNESCO"@en .\n')
    store, report = start(s)
    assert not report.cached_from
    assert report.entities_per_class["https://w3id.org/wsis-kg/def/UNSpecialisedAgency"] == 3
    assert b"org/unesco" in canonical_nquads(store)
    assert len(entries(tmp_path / "cache")) == 2  # one per set of inputs
    _, again = start(s)
    assert again.cached_from and again.entities_per_class == report.entities_per_class


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [
    _flip_last_byte,
    lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # partial write
    lambda p: p.write_bytes(b""),
    lambda p: p.write_bytes(b"garbage\nnot json\n"),
    lambda p: p.write_bytes(cache.MAGIC + b"{not json\n<a> <b> <c> ."),
], ids=["flipped-byte", "truncated", "empty", "no-magic", "bad-header"])
def test_a_corrupt_cache_file_is_detected_and_rebuilt(project, tmp_path, damage) -> None:
    s = settings_for(project, tmp_path / "cache")
    built, _ = start(s)
    [path] = entries(tmp_path / "cache")
    damage(path)
    store, report = start(s)
    assert not report.cached_from  # not served: rebuilt
    assert canonical_nquads(store) == canonical_nquads(built)
    _, again = start(s)  # and written again, whole
    assert again.cached_from == str(path)


def test_an_entry_is_checked_against_its_own_key(tmp_path) -> None:
    cache.write(tmp_path, "graph", "a" * 64, b"<http://e/a> <http://e/p> 1 .\n", {"n": 1})
    entry = cache.read(tmp_path, "graph", "a" * 64)
    assert entry is not None and entry.meta == {"n": 1}
    # A file renamed to another key (or copied by hand) is not served for that key.
    cache.entry_path(tmp_path, "graph", "a" * 64).rename(cache.entry_path(tmp_path, "graph",
                                                                          "b" * 64))
    assert cache.read(tmp_path, "graph", "b" * 64) is None
    assert not list(tmp_path.iterdir())  # and it is removed
    assert cache.read(tmp_path, "graph", "c" * 64) is None  # absent


def test_old_entries_are_pruned(tmp_path) -> None:
    for i in range(cache.KEEP_PER_KIND + 3):
        cache.write(tmp_path, "graph", f"{i:064x}", b"x")
    assert len(entries(tmp_path)) == cache.KEEP_PER_KIND
    assert cache.read(tmp_path, "graph", f"{cache.KEEP_PER_KIND + 2:064x}") is not None


def test_no_cache_when_off_or_unwritable(project, tmp_path) -> None:
    assert Settings().cache_path is None and Settings(cache_dir="off").cache_path is None
    _, report = start(settings_for(project, Path("off")))
    assert not report.cached_from
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory should be")
    messages: list[str] = []
    s = settings_for(project, blocked / "cache")
    store = open_or_build(s, messages.append, **OPTIONS)
    assert len(store) > 0 and any("not writable" in m for m in messages)


def test_the_default_cache_directory_follows_xdg(tmp_path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert Settings.from_env(env).cache_path == tmp_path / "wsis-kg"
    assert default_cache_dir({}) == Path.home() / ".cache" / "wsis-kg"
    assert default_cache_dir({"XDG_CACHE_HOME": "relative"}) == Path.home() / ".cache" / "wsis-kg"
    assert Settings.from_env({**env, "WSIS_KG_CACHE_DIR": "off"}).cache_path is None
    assert Settings.from_env({"WSIS_KG_CACHE_DIR": str(tmp_path / "c")}).cache_path == \
        tmp_path / "c"


# Several processes starting at once on an empty cache: each builds or reads, every one gets the
# whole graph, and what stays in the cache is one whole entry.
_STARTER = """
import sys
from pathlib import Path
from wsis_kg.graph.build import open_or_build
from wsis_kg.graph.dump import canonical_nquads
from wsis_kg.settings import Settings
s = Settings(project_root=Path(sys.argv[1]), cache_dir=sys.argv[2])
sys.stdout.buffer.write(canonical_nquads(open_or_build(s, reason=True, check_shapes=True)))
"""


@pytest.mark.slow
def test_several_processes_starting_at_once_share_the_cache_safely(project, tmp_path) -> None:
    expected = canonical_nquads(start(settings_for(project, Path("off")))[0])
    procs = [subprocess.Popen([sys.executable, "-c", _STARTER, str(project),
                               str(tmp_path / "cache")], stdout=subprocess.PIPE)
             for _ in range(4)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert all(out == expected for out in outputs)
    [path] = entries(tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").iterdir() if p.suffix == ".tmp"]
    header = json.loads(path.read_bytes().split(b"\n", 2)[1])
    assert header["key"] == cache_key(settings_for(project, tmp_path / "cache"), **OPTIONS)
    _, report = start(settings_for(project, tmp_path / "cache"))
    assert report.cached_from == str(path)
