"""The production server's settings: never several workers without a shared bus and cache,
and no tokens in the access log."""
import runpy
from pathlib import Path

import pytest

CONF = str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py")


def _settings(monkeypatch, **env):
    for name in ("REDIS_URL", "ELEARN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(CONF)


def test_without_redis_one_worker(monkeypatch):
    assert _settings(monkeypatch)["workers"] == 1


def test_without_redis_several_workers_are_refused(monkeypatch):
    with pytest.raises(SystemExit, match="REDIS_URL"):
        _settings(monkeypatch, ELEARN_WORKERS="2")


def test_with_redis_as_many_workers_as_asked(monkeypatch):
    assert _settings(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/0", ELEARN_WORKERS="3")["workers"] == 3


def test_the_access_log_leaves_query_strings_out(monkeypatch):
    log_format = _settings(monkeypatch)["access_log_format"]
    assert "%(U)s" in log_format and "%(r)s" not in log_format and "%(q)s" not in log_format
