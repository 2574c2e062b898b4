"""Languages and time zones: pages, API messages and live pushes in the reader's language,
dates in their own zone, and a Spanish catalog that is complete and compiled.

English is the default (no ``Accept-Language``), so every other test reads English.
"""
import io
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from elearn import ROOT
from elearn.auth.models import User
from elearn.enrollments.models import Enrollment
from elearn.i18n import LANGUAGES, TRANSLATIONS
from elearn.progress.models import Progress
from elearn.web import filters
from tests.realtime.test_sockets import DEADLINE, _session_cookie, ws_url
from tests.ws_client import Client

SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
#: 03:00 UTC on Oct 17 is still Oct 16 in Chicago (22:00 CDT).
LATE_IN_CHICAGO = datetime(2026, 10, 17, 3, 0, tzinfo=UTC)


def _catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


@contextmanager
def reading(app, headers=None):
    """A request of its own (in its own app context, where Flask-Babel keeps its choices)."""
    with app.app_context(), app.test_request_context("/", headers=headers or {}):
        yield


def _completed_at(db, enrollment, moment):
    """Pin the time of every completion of ``enrollment`` to ``moment``."""
    for record in db.session.scalars(select(Progress).where(Progress.enrollment_id == enrollment.id)):
        record.completed_at = moment
    db.session.commit()


# --- choosing the language -------------------------------------------------------------

def test_the_dashboard_speaks_spanish_to_a_spanish_browser(browser, make):
    student = make.user(email="sam@example.com", name="Sam Student")
    make.complete(make.enroll(student, make.course(modules=4, title="Fracciones")), 1)
    browser.login("sam@example.com")
    html = browser.client.get("/", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Progreso general" in html and "Hola de nuevo, Sam" in html and "Overall progress" not in html
    assert 'data-testid="overall-percent">25\xa0%<' in html  # Spanish writes a space before %
    assert "1 de 4 módulos" in html and "Cerrar sesión" in html


def test_english_is_the_default_and_the_fallback(browser, make):
    make.user(email="sam@example.com")
    browser.login("sam@example.com")
    for headers in ({}, {"Accept-Language": "de-DE,fr;q=0.8"}):
        html = browser.client.get("/", headers=headers).get_data(as_text=True)
        assert '<html lang="en">' in html and "Start learning in three steps" in html


def test_the_language_switcher_cookie_wins_over_the_browser(browser, make):
    make.user(email="sam@example.com")
    browser.login("sam@example.com")
    page = browser.client.get("/courses", headers=SPANISH)
    assert "Catálogo de cursos" in page.get_data(as_text=True)

    answer = browser.post("/language", {"lang": "en", "next": "/courses?q=x"}, headers=SPANISH)
    assert answer.status_code == 303 and answer.headers["Location"] == "/courses?q=x"
    cookie = browser.client.get_cookie("lang")
    assert cookie.value == "en" and cookie.http_only
    html = browser.client.get("/courses", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="en">' in html and "Course catalog" in html


def test_the_switcher_is_a_form_and_refuses_languages_it_does_not_offer(browser, client, make):
    html = client.get("/login").get_data(as_text=True)
    assert 'action="/language"' in html and 'name="csrf_token"' in html
    assert '<button type="submit" class="link-button" name="lang" value="es" lang="es"' in html
    assert client.post("/language", data={"lang": "es"}).status_code == 400  # no CSRF token
    make.user(email="sam@example.com")
    browser.login("sam@example.com")
    assert browser.post("/language", {"lang": "fr"}).status_code == 422
    assert browser.client.get_cookie("lang") is None
    assert browser.post("/language", {"lang": "es", "next": "https://evil.example/"}).headers["Location"] == "/"


def test_api_messages_follow_accept_language_but_codes_and_fields_do_not(api, make):
    make.user(email="sam@example.com")
    token = api.token("sam@example.com")
    answer = api.client.get("/api/courses/999999", headers={**SPANISH, "Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    assert answer.get_json() == {"error": {"code": "not_found", "message": "No existe ese curso.", "details": {}}}
    english = api.client.get("/api/courses/999999", headers={"Authorization": f"Bearer {token}"})
    assert english.get_json()["error"]["message"] == "No such course."


def test_validation_sentences_are_translated_with_their_labels(client):
    answer = client.post("/api/auth/register", json={"email": "not-an-email", "name": "", "password": "x"},
                         headers=SPANISH)
    details = answer.get_json()["error"]["details"]
    assert answer.status_code == 422
    assert details["email"] == "Introduce una dirección de correo válida, como nombre@example.com."
    assert details["name"] == "Introduce un nombre."


# --- dates and numbers ------------------------------------------------------------------

def test_dates_are_in_the_readers_zone_and_language(browser, make, db):
    student = make.user(email="sam@example.com", timezone="America/Chicago")
    course = make.course(modules=2, title="Fractions")
    enrollment = make.enroll(student, course)
    make.complete(enrollment, 1)
    _completed_at(db, enrollment, LATE_IN_CHICAGO)
    browser.login("sam@example.com")

    english = browser.client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert 'title="Oct 16, 2026, 10:00\u202fPM CDT">Oct 16, 2026</time>' in english
    spanish = browser.client.get(f"/courses/{course.id}", headers=SPANISH).get_data(as_text=True)
    assert ">16 oct 2026</time>" in spanish and 'title="16 oct 2026, 22:00' in spanish


def test_cached_course_sections_keep_each_readers_language_and_zone(browser, make, db):
    """The course page's figures and student list are rendered once and shared from the
    cache: a Spanish reader after an English one (and a Chicago reader after a UTC one)
    still reads their own."""
    teacher = make.user("instructor", email="ada@example.com", timezone="America/Chicago")
    course = make.course(teacher, modules=2, title="Fractions")
    enrollment = make.enroll(make.user(email="sam@example.com", name="Sam Student"), course)
    make.complete(enrollment, 1)
    _completed_at(db, enrollment, LATE_IN_CHICAGO)
    db.session.execute(Enrollment.__table__.update().where(Enrollment.id == enrollment.id)
                       .values(last_activity_at=LATE_IN_CHICAGO))
    db.session.commit()
    browser.login("ada@example.com")
    page = f"/teach/courses/{course.id}"

    listed = {"HX-Request": "true"}  # the list, as the page fetches it when scrolled to

    english = browser.client.get(page).get_data(as_text=True)
    assert "Completed (0%)" in english
    assert 'title="Oct 16, 2026, 10:00\u202fPM CDT"' in browser.client.get(page, headers=listed).get_data(as_text=True)
    spanish = browser.client.get(page, headers=SPANISH).get_data(as_text=True)
    assert "Completados (0\xa0%)" in spanish and "Completed (0%)" not in spanish
    spanish = browser.client.get(page, headers=SPANISH | listed).get_data(as_text=True)
    assert ">Estudiantes <" in spanish and 'title="16 oct 2026, 22:00' in spanish
    db.session.get(User, teacher.id).timezone = "UTC"
    db.session.commit()
    assert 'title="Oct 17, 2026, 3:00\u202fAM UTC"' in browser.client.get(page, headers=listed).get_data(as_text=True)


def test_a_visitor_without_a_zone_reads_utc(app):
    with reading(app):
        assert filters.exact_time(LATE_IN_CHICAGO) == "Oct 17, 2026, 3:00\u202fAM UTC"
        assert filters.day(LATE_IN_CHICAGO) == "Oct 17, 2026"


@pytest.mark.parametrize(("language", "age", "expected"), [
    ("en", timedelta(seconds=10), "just now"),
    ("en", timedelta(minutes=5), "5 minutes ago"),
    ("en", timedelta(days=3), "3 days ago"),
    ("es", timedelta(days=3), "hace 3 días"),
    ("es", timedelta(hours=2), "hace 2 horas"),
    ("en", timedelta(days=8), "Oct 9, 2026"),  # a week or more back: the date
    ("es", timedelta(days=8), "9 oct 2026"),
])
def test_recent_moments_read_relative_and_older_ones_as_dates(app, language, age, expected):
    now = datetime(2026, 10, 17, 12, 0, tzinfo=UTC)
    with reading(app, {"Accept-Language": language}):
        assert filters.time_ago(now - age, now) == expected


def test_numbers_and_money_follow_the_language(app):
    with reading(app):
        assert (filters.percent(99.6), filters.money(4900), filters.money(0)) == ("99%", "$49.00", "Free")
        assert (filters.compact_money(360000), filters.compact_number(1_200_000)) == ("$3.6K", "1.2M")
    with reading(app, SPANISH):
        assert (filters.percent(99.6), filters.money(4900), filters.money(0)) == (
            "99\xa0%", "49,00\xa0US$", "Gratis")
        assert filters.compact_number(1_200_000) == "1,2\xa0M"


def test_words_numbers_and_times_follow_a_language_switched_within_a_request(app):
    """Translations, the locale and the zone are remembered once chosen (they are asked
    for hundreds of times a page): a push rendered in another language and zone inside a
    request, and the request's own words after it, each read their own."""
    from flask import render_template_string

    from elearn.i18n import localized

    words = "{{ _('Students') }} {{ 99.6|percent }} {{ moment|exact_time }}"
    with reading(app):
        assert render_template_string(words, moment=LATE_IN_CHICAGO) == "Students 99% Oct 17, 2026, 3:00\u202fAM UTC"
        with localized("es", "America/Chicago"):
            assert render_template_string(words, moment=LATE_IN_CHICAGO) == (
                "Estudiantes 99\xa0% 16 oct 2026, 22:00 -0500")
        assert render_template_string(words, moment=LATE_IN_CHICAGO) == "Students 99% Oct 17, 2026, 3:00\u202fAM UTC"


def test_a_template_compiled_for_one_reader_formats_its_constants_for_each(app):
    """Jinja works out a filter of constants (``25|percent``) while compiling, and a
    compiled template serves every later reader of the process: the first reader's
    language must not become theirs."""
    words = "{{ 25|percent }} {{ 1234.5|number(1) }} {{ 'admin'|role_name }}"
    with reading(app, SPANISH):
        compiled = app.jinja_env.from_string(words)
        assert compiled.render() == "25\xa0% 1.234,5 administrador"
    with reading(app):
        assert compiled.render() == "25% 1,234.5 admin"


# --- live pushes ------------------------------------------------------------------------

def test_live_pushes_speak_the_language_the_page_was_opened_in(server, browser, api, make):
    student = make.user(email="s@example.com", name="Sam Student")
    course = make.course(modules=4, title="Fractions")
    enrollment = make.enroll(student, course)
    module = make.modules(course)[0]
    cookie = _session_cookie(browser, "s@example.com") + "; lang=es"
    ws = Client.connect(ws_url(server, "/ws?view=dashboard"), headers={"Cookie": cookie, "Origin": server})
    try:
        assert "Progreso general" in ws.receive(timeout=DEADLINE)
        api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", api.token("s@example.com"))
        pushed = ws.receive(timeout=DEADLINE)
        while "Primer paso" not in pushed:  # the badge may come with the progress push or just after
            pushed = ws.receive(timeout=DEADLINE)
        assert 'data-testid="overall-percent">25\xa0%<' in pushed
        assert "Nueva insignia: <strong>Primer paso</strong>" in pushed and "ahora mismo" in pushed
    finally:
        ws.close()


# --- the catalogs -----------------------------------------------------------------------

def test_every_language_offered_has_a_catalog():
    assert set(LANGUAGES) == {"en", "es"}
    assert (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").exists()


def test_the_spanish_catalog_translates_every_string_of_the_sources():
    catalog = _catalog("es")
    marked = {message_id for _file, _line, message_id, _comments, _context in extract_from_dir(
        str(ROOT), method_map=[("elearn/**.py", "python"), ("templates/**.html", "jinja2")],
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None})}
    missing = sorted(str(message_id) for message_id in marked if message_id not in catalog)
    assert not missing, "not in the Spanish catalog (run make translations):\n" + "\n".join(missing)
    untranslated = [message.id for message in catalog if message.id and (
        message.fuzzy or not all(message.string if isinstance(message.string, tuple) else [message.string]))]
    assert not untranslated, f"untranslated or fuzzy: {untranslated}"
    assert not list(catalog.check()), "placeholders that do not match their English"


def test_the_compiled_spanish_catalog_is_up_to_date():
    compiled = io.BytesIO()
    write_mo(compiled, _catalog("es"))
    committed = (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled.getvalue() == committed, "messages.mo is behind messages.po: run make translations"
