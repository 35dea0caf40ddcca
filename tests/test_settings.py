from pathlib import Path

import pytest

from wsis_kg.settings import Settings


def test_env_then_overrides() -> None:
    env = {"WSIS_KG_PORT": "9001", "WSIS_KG_QUERY_TIMEOUT": "2.5",
           "WSIS_KG_TOKENS": "alice:s3cret,bob:t0k", "WSIS_KG_SERVICE_ALLOWLIST": "http://a/, http://b/"}
    s = Settings.from_env(env, port=9002)
    assert s.port == 9002
    assert s.query_timeout == 2.5
    assert s.tokens == {"s3cret": "alice", "t0k": "bob"}
    assert s.service_allowlist == ("http://a/", "http://b/")
    assert s.store == "memory" and not s.is_remote
    assert Settings.from_env({}, store="http://127.0.0.1:7878/query").is_remote
    assert Settings.from_env({"WSIS_KG_PROJECT_ROOT": "/x"}).data_dir == Path("/x/data")


def test_bad_token_spec_is_refused() -> None:
    with pytest.raises(ValueError, match="principal:token"):
        Settings.from_env({"WSIS_KG_TOKENS": "no-colon"})


def test_every_setting_reads_its_type_from_the_environment() -> None:
    """Each field is converted by its declared type: a new setting cannot be left a string
    (the conversion used to list field names by hand, one list per type)."""
    from dataclasses import fields

    from wsis_kg.settings import ENV_PREFIX

    samples = {"int": "7", "float": "1.5", "bool": "yes", "Path": "/tmp",
               "dict[str, str]": "editor:tok", "tuple[str, ...]": "http://a.example",
               "str": "x", "str | None": "x"}
    for f in fields(Settings):
        raw = samples[str(f.type)]
        value = getattr(Settings.from_env({ENV_PREFIX + f.name.upper(): raw}), f.name)
        expected = {"int": int, "float": float, "bool": bool, "Path": Path,
                    "dict[str, str]": dict, "tuple[str, ...]": tuple}.get(str(f.type), str)
        assert isinstance(value, expected), (f.name, value)
