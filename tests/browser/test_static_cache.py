"""A repeat visit asks the server for no static file: they are cached, versioned, for a year."""
import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_repeat_page_load_requests_no_static_file(live_server, new_page):
    page = new_page()
    sign_in(page, live_server, "john@example.com")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{live_server}/courses")
    page.wait_for_load_state("networkidle")
    first = [url for url in asked if "/static/" in url]
    assert any(url.endswith("/css/app.css") for url in first), first  # the first visit of this page's files...
    asked.clear()
    page.goto(f"{live_server}/")  # ...then another page and back: each file comes from the cache
    page.goto(f"{live_server}/courses")
    page.wait_for_load_state("networkidle")
    served = [url for url in asked if "/static/" in url]
    fetched = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter(entry => entry.name.includes('/static/') && entry.transferSize > 0).map(entry => entry.name)""")
    assert fetched == [], fetched
    assert served and all("/static/v/" in url for url in served), [url for url in served if "/static/v/" not in url]
