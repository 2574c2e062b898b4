"""Languages and time zones: which ones a request is answered in.

The language is the one the visitor chose with the switcher (the ``lang`` cookie), else
the best match for their browser's ``Accept-Language``, else English. Dates are shown in
the signed-in user's own time zone (``User.timezone``, chosen on the account page), UTC
for visitors. Live pages render their pushes long after the handshake request, so the
socket captures both when it opens and renders every push inside ``localized``.

Catalogs live in ``elearn/translations``; ``make translations`` extracts and compiles
them (docs/pages.md, "Languages and time zones").
"""
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_timezone, get_translations, refresh
from flask_login import current_user

from .local_time import zone

#: The languages elearn speaks, in their own words for the switcher; English first, the default.
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
#: The cookie the language switcher sets, and for how long it holds (a year).
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_SECONDS = 365 * 86400
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def init_i18n(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, locale_selector=select_language,
                   timezone_selector=select_time_zone)
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=current_language)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)
    # Flask-Babel remembers its choice in ``g``, which belongs to the app context: where one
    # context serves several requests (tests, a CLI command), each request chooses afresh.
    app.before_request(refresh)


def select_language() -> str:
    """The switcher's choice, else the browser's best match, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def select_time_zone():
    """The zone ``localized`` renders in, else the signed-in user's, else UTC (visitors)."""
    if "elearn_time_zone" in g:
        return zone(g.elearn_time_zone)
    if has_request_context() and current_user and current_user.is_authenticated:
        return zone(getattr(current_user, "timezone", None))
    return zone("UTC")


def _chosen(name: str, state: dict | None = None):
    """What Flask-Babel has already chosen for this request (``babel_locale``,
    ``babel_tzinfo``), or None: read in one context lookup (``state``: ``g`` as a dict, if
    the caller has it). Its own getters walk the request context several times per call,
    and a page's templates ask hundreds of times."""
    return getattr((_context_globals() if state is None else state).get("_flask_babel"), name, None)


def _context_globals() -> dict:
    """``g`` of the app context as a dict (empty outside one)."""
    try:
        return vars(g._get_current_object())
    except RuntimeError:
        return {}


def locale() -> Locale | None:
    """``flask_babel.get_locale()``, quicker once chosen."""
    return _chosen("babel_locale") or get_locale()


def time_zone():
    """``flask_babel.get_timezone()``, quicker once chosen."""
    return _chosen("babel_tzinfo") or get_timezone()


def translations() -> Translations | NullTranslations:
    """``flask_babel.get_translations()``, remembered for the locale in force (it costs
    about 20 µs a call). ``force_locale`` and ``refresh`` replace the locale object
    Flask-Babel holds, which retires what was remembered."""
    state = _context_globals()
    chosen = _chosen("babel_locale", state)
    remembered = state.get("elearn_translations")
    if chosen is not None and remembered is not None and remembered[0] is chosen:
        return remembered[1]
    found = get_translations()
    state["elearn_translations"] = (get_locale(), found)
    return found


def current_language() -> str:
    """The language code this response is written in ("en", "es")."""
    return str(get_locale() or DEFAULT_LANGUAGE)


@contextmanager
def localized(language: str | Locale, time_zone: str | None) -> Iterator[None]:
    """Render in ``language`` and show times in ``time_zone``: a socket's push, long after
    the handshake request that chose them (the user may have changed zone since)."""
    with force_locale(str(language)):
        g.elearn_time_zone = time_zone
        refresh()  # forget the zone chosen before; the forced language stays
        try:
            yield
        finally:
            g.pop("elearn_time_zone", None)
            refresh()
