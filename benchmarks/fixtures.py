"""Who the suite acts as and what it sends: subjects, tokens, write lists, a browser session.

Tokens are minted with the app's own ``issue_token`` and the server's ``SECRET_KEY`` rather
than signed in through ``/api/auth/login``: signing in 100,000 students would spend the
bench on scrypt and trip the sign-in rate limit, and the token is the same either way.
The instructor's browser session, on the other hand, goes through the real ``/login``
form (CSRF token included), once per run.

Writes must be real first completions, not idempotent repeats, and re-runs of the suite
must find fresh ones: every list is chosen from the database as it is now, one open
module per student, students shuffled so that consecutive requests touch different rows.
"""
import http.client
import os
import random
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlencode

import psycopg2

from . import settings

OPEN_MODULE_OF_EACH_STUDENT = """
    SELECT DISTINCT ON (e.user_id) e.user_id, e.id, m.id
    FROM enrollments e
    JOIN modules m ON m.course_id = e.course_id
    LEFT JOIN progress p ON p.enrollment_id = e.id AND p.module_id = m.id
    WHERE e.user_id = ANY(%s) AND (p.id IS NULL OR NOT p.completed)
    ORDER BY e.user_id, m.position
"""
OPEN_MODULES_OF_STUDENTS = """
    SELECT e.user_id, e.id, m.id
    FROM enrollments e
    JOIN modules m ON m.course_id = e.course_id
    LEFT JOIN progress p ON p.enrollment_id = e.id AND p.module_id = m.id
    WHERE e.user_id = ANY(%s) AND (p.id IS NULL OR NOT p.completed)
    ORDER BY e.user_id, e.id, m.position
"""


#: The small course whose cold analytics are the yardstick for the largest one's.
SMALL_COURSE_ENROLLMENTS = 50


@dataclass
class Subjects:
    course_id: int  # the course with the most enrollments
    course_title: str
    course_enrollments: int
    course_modules: int
    instructor_id: int
    instructor_email: str
    student_id: int  # enrolled in that course, with the most enrollments among its students
    student_enrollments: int
    enrollment_id: int  # the student's enrollment in the course
    small_course_id: int  # the course whose enrollments are nearest to SMALL_COURSE_ENROLLMENTS
    small_course_enrollments: int
    small_instructor_id: int
    #: Students with open modules, shuffled; the suite hands out disjoint slices.
    pool: list[int] = field(default_factory=list)

    def take(self, count: int) -> list[int]:
        taken, self.pool = self.pool[:count], self.pool[count:]
        return taken


def choose_subjects(seed: int) -> Subjects:
    with psycopg2.connect(settings.dsn()) as conn, conn.cursor() as cur:
        cur.execute("""
            SELECT c.id, c.title, count(e.id), c.module_count, u.id, u.email
            FROM courses c JOIN enrollments e ON e.course_id = c.id JOIN users u ON u.id = c.instructor_id
            GROUP BY c.id, u.id ORDER BY count(e.id) DESC, c.id LIMIT 1""")
        course_id, title, enrollments, modules, instructor_id, instructor_email = cur.fetchone()
        cur.execute("""
            SELECT e.user_id, e.id, (SELECT count(*) FROM enrollments o WHERE o.user_id = e.user_id) AS n
            FROM enrollments e WHERE e.course_id = %s ORDER BY n DESC, e.user_id LIMIT 1""", (course_id,))
        student_id, enrollment_id, student_enrollments = cur.fetchone()
        cur.execute("""
            SELECT c.id, count(e.id), c.instructor_id FROM courses c JOIN enrollments e ON e.course_id = c.id
            GROUP BY c.id ORDER BY abs(count(e.id) - %s), c.id LIMIT 1""", (SMALL_COURSE_ENROLLMENTS,))
        small_course_id, small_enrollments, small_instructor_id = cur.fetchone()
        # Students with at least one open module, most open work first for the markers' sake.
        cur.execute("""
            SELECT e.user_id FROM enrollments e JOIN courses c ON c.id = e.course_id
            WHERE e.user_id <> %s GROUP BY e.user_id
            HAVING sum(c.module_count - e.completed_count) > 0""", (student_id,))
        pool = [row[0] for row in cur.fetchall()]
    random.Random(seed).shuffle(pool)
    return Subjects(course_id, title, enrollments, modules, instructor_id, instructor_email,
                    student_id, student_enrollments, enrollment_id, small_course_id, small_enrollments,
                    small_instructor_id, pool)


def students_with_open_work(candidates: list[int], minimum: int, count: int) -> list[int]:
    """``count`` of ``candidates`` (in their order) with at least ``minimum`` open modules."""
    with psycopg2.connect(settings.dsn()) as conn, conn.cursor() as cur:
        cur.execute("""
            SELECT e.user_id FROM enrollments e JOIN courses c ON c.id = e.course_id
            WHERE e.user_id = ANY(%s) GROUP BY e.user_id
            HAVING sum(c.module_count - e.completed_count) >= %s""", (candidates, minimum))
        eligible = {row[0] for row in cur.fetchall()}
    return [user_id for user_id in candidates if user_id in eligible][:count]


def one_open_module_each(user_ids: list[int]) -> list[tuple[int, int, int]]:
    """(user, enrollment, module) with the first open module of each student, in the
    students' (shuffled) order."""
    with psycopg2.connect(settings.dsn()) as conn, conn.cursor() as cur:
        cur.execute(OPEN_MODULE_OF_EACH_STUDENT, (user_ids,))
        by_user = {row[0]: row for row in cur.fetchall()}
    return [by_user[u] for u in user_ids if u in by_user]


def open_modules(user_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Every open (enrollment, module) of each student, in module order."""
    found: dict[int, list[tuple[int, int]]] = {u: [] for u in user_ids}
    with psycopg2.connect(settings.dsn()) as conn, conn.cursor() as cur:
        cur.execute(OPEN_MODULES_OF_STUDENTS, (user_ids,))
        for user_id, enrollment_id, module_id in cur.fetchall():
            found[user_id].append((enrollment_id, module_id))
    return found


class TokenMinter:
    """Bearer tokens from the app's own ``issue_token``, signed with the server's key."""

    def __init__(self, env: dict):
        saved = dict(os.environ)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY",
                                               "ELEARN_EVENT_CHANNEL", "JWT_EXPIRES_SECONDS")})
        try:
            from elearn import create_app

            self.app = create_app()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def sign_ins(self, user_ids: list[int], kind: str) -> list[tuple[int, int, str | None]]:
        """(user, sign-in id, refresh token id): a sign-in of ``kind`` for each user, one
        INSERT for all (signing in through the app would spend the bench on scrypt)."""
        from sqlalchemy import insert

        from elearn.auth import sign_ins
        from elearn.auth.models import SignIn
        from elearn.extensions import db

        with self.app.app_context():
            rows = db.session.execute(insert(SignIn).returning(SignIn.user_id, SignIn.id, SignIn.refresh_jti), [
                {"user_id": u, "kind": kind, "refresh_jti": sign_ins.new_jti() if kind == "api" else None}
                for u in user_ids]).all()
            db.session.commit()
            return [tuple(row) for row in rows]

    def keep_what_a_worker_keeps(self) -> None:
        """Cache what a running job worker keeps cached. No worker runs during the bench,
        and without one the event types webhooks listen to are never looked up: every
        committed event would queue a job to find out (production's worker runs the first
        such job, which fills the entry for an hour). Called before each run of writes."""
        from elearn.webhooks.service import listened_types

        with self.app.test_request_context():
            listened_types()

    def tokens(self, user_ids: list[int], role: str = "student") -> dict[int, str]:
        """An API sign-in for each user, and its access token as ``issue_tokens`` makes it:
        the server looks the sign-in up on every request."""
        from elearn.auth.tokens import issue_tokens

        if not user_ids:
            return {}
        rows = self.sign_ins(user_ids, "api")
        with self.app.app_context():
            return {u: issue_tokens(SimpleNamespace(id=u, role=role), sid, jti)["access_token"]
                    for u, sid, jti in rows}


def lua_request_list(path: str, items: list[tuple[str, str, str]]) -> int:
    """Write ``items`` of (method, path, token) as the Lua file rotate.lua reads."""
    token_index: dict[str, int] = {}
    lines = ["return {requests = {"]
    for method, url_path, token in items:
        index = token_index.setdefault(token, len(token_index) + 1)
        lines.append(f'{{"{method}", "{url_path}", {index}}},')
    lines.append("}, tokens = {")
    lines.extend(f'"{token}",' for token in token_index)
    lines.append("}}")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return len(items)


def _set_cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]


def browser_session(port: int, email: str, password: str) -> str:
    """Sign in through the real form: GET /login for the CSRF token and the session cookie,
    POST /login with both, keep the signed-in session cookie. Returns a Cookie header.

    In production the cookie is marked Secure; over plain HTTP on the loopback a browser
    would not send it back, wrk and this client do.
    """
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    _set_cookies(response, jar)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if response.status != 200 or not match:
        raise RuntimeError(f"GET /login answered {response.status} without a CSRF token")
    body = urlencode({"csrf_token": match.group(1), "email": email, "password": password})
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    response = conn.getresponse()
    response.read()
    _set_cookies(response, jar)
    conn.close()
    if response.status != 302:
        raise RuntimeError(f"POST /login answered {response.status}, not a redirect: wrong password?")
    return "; ".join(f"{k}={v}" for k, v in jar.items())
