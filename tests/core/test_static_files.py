"""Static files: versioned addresses cached for a year, compressed copies that match, a CDN base."""
import gzip
import re
from pathlib import Path

import brotli

from tests.conftest import build_app

STATIC = Path(__file__).resolve().parents[2] / "static"


def _get(client, path: str, **kwargs):
    """The answer, read and closed (a static file's answer streams from an open file)."""
    with client.get(path, buffered=True, **kwargs) as answer:
        return answer


def _asset(html: str, name: str) -> str:
    return re.search(rf'"(/static/v/[0-9a-f]{{12}}/{re.escape(name)})"', html).group(1)


def test_pages_use_versioned_addresses_cached_for_a_year(client):
    css = _asset(client.get("/login").get_data(as_text=True), "css/app.css")
    answer = _get(client, css)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.get_data() == (STATIC / "css" / "app.css").read_bytes()
    plain = _get(client, "/static/css/app.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "max-age=300, public"


def test_the_smallest_encoding_the_browser_takes_is_sent(client):
    script = _asset(client.get("/login").get_data(as_text=True), "vendor/htmx-4.0.1/htmx.min.js")
    source = (STATIC / "vendor" / "htmx-4.0.1" / "htmx.min.js").read_bytes()
    br = _get(client, script, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.get_data()) == source
    assert len(br.get_data()) < len(source) / 2
    gz = _get(client, script, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == source


def test_every_compressed_copy_matches_its_file():
    """``make static`` writes them; a file changed without it fails here."""
    copies = [p for p in STATIC.rglob("*") if p.suffix in (".gz", ".br")]
    assert len(copies) >= 20
    for copy in copies:
        source = copy.with_suffix("").read_bytes()
        unpacked = gzip.decompress(copy.read_bytes()) if copy.suffix == ".gz" else brotli.decompress(copy.read_bytes())
        assert unpacked == source, f"{copy} is behind its file: run make static"
    for name in ("css/app.css", "js/app.js", "vendor/htmx-4.0.1/htmx.min.js", "vendor/htmx-4.0.1/hx-ws.min.js"):
        assert (STATIC / f"{name}.br").exists() and (STATIC / f"{name}.gz").exists(), name


def test_a_cdn_base_prefixes_the_addresses_and_is_allowed_by_the_policy(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'cdn.sqlite'}", STATIC_URL_BASE="https://cdn.example.com")
    page = app.test_client().get("/login")
    html = page.get_data(as_text=True)
    assert re.search(r'href="https://cdn\.example\.com/static/v/[0-9a-f]{12}/css/app\.css"', html)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://cdn.example.com" in policy and "style-src 'self' https://cdn.example.com" in policy
