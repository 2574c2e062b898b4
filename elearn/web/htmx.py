"""htmx helpers: tell htmx requests apart and answer them with fragments."""
from flask import make_response, render_template, request


def is_htmx() -> bool:
    """An htmx request for a fragment. Restoring history (Back to a pushed address that is
    not in htmx's cache) asks for the whole page, though htmx sends it."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def page_or_fragment(page: str, fragment: str, **context):
    """Render the full page to a normal request and only the fragment to htmx.

    Both are the same partial (the page includes the fragment), so a swapped region is
    byte-identical to a loaded one. ``Vary`` keeps caches from mixing the two.
    """
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def hx_redirect(location: str):
    """Redirect an htmx request by header: a 302 would be followed and swapped in place."""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = location
    return response
