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
