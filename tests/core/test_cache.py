"""Cached figures: faster reads, never stale after a write, shared across processes."""
import uuid

import pytest

from elearn.auth import sign_ins
from elearn.auth.models import User
from elearn.auth.tokens import issue_tokens
from elearn.extensions import db
from tests.conftest import build_app, record_cache_commands


def _setup(make):
    student = make.user(email="s@example.com")
    course = make.course(modules=4)
    enrollment = make.enroll(student, course)
    return student, course, enrollment, make.modules(course)


def test_a_read_after_a_write_sees_the_write(api, make):
    _student, _course, enrollment, modules = _setup(make)
    token = api.token("s@example.com")
    assert api.get("/api/progress/overall", token).get_json()["completedModules"] == 0
    assert api.get(f"/api/progress/course/{enrollment.id}", token).get_json()["completedModules"] == 0
    api.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[0].id}", token)
    assert api.get("/api/progress/overall", token).get_json()["completedModules"] == 1
    assert api.get(f"/api/progress/course/{enrollment.id}", token).get_json()["completedModules"] == 1


def test_repeated_reads_come_from_the_cache(api, make, count_queries):
    _setup(make)
    token = api.token("s@example.com")
    with count_queries() as first:
        api.get("/api/progress/overall", token)
    with count_queries() as second:
        api.get("/api/progress/overall", token)
    assert len(second) < len(first)


def test_course_changes_reach_cached_learner_numbers(api, make):
    _student, course, _enrollment, _modules = _setup(make)
    token = api.token("s@example.com")
    assert api.get("/api/progress/overall", token).get_json()["totalModules"] == 4
    instructor_email = "teach-cache@example.com"
    teacher = make.user("instructor", email=instructor_email)
    from elearn.extensions import db

    course.instructor_id = teacher.id
    db.session.commit()
    api.post(f"/api/courses/{course.id}/modules", api.token(instructor_email), json={"title": "Extra"})
    assert api.get("/api/progress/overall", token).get_json()["totalModules"] == 5


def test_course_analytics_follow_progress(api, make):
    _student, course, enrollment, modules = _setup(make)
    make.user("admin", email="root@example.com")
    token = api.token("root@example.com")
    assert api.get(f"/api/analytics/courses/{course.id}", token).get_json()["averageCompletion"] == 0.0
    api.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[0].id}", api.token("s@example.com"))
    assert api.get(f"/api/analytics/courses/{course.id}", token).get_json()["averageCompletion"] == 25.0


def _recorded_process(make, redis_url, backend, monkeypatch):
    """A learner with one of four modules completed, their course's instructor, and a
    process on Redis whose cache records the commands it sends."""
    student, course, enrollment, modules = _setup(make)
    make.complete(enrollment, 1)
    make.user("instructor", email="t@example.com")
    from elearn.auth.models import User
    from elearn.catalog.models import Course
    from elearn.extensions import db

    db.session.get(Course, course.id).instructor_id = db.session.scalar(
        db.select(User.id).where(User.email == "t@example.com"))
    db.session.commit()
    process = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=f"elearn:test:{uuid.uuid4().hex}")
    from tests.conftest import Api

    api = Api(process.test_client())
    return process, api, record_cache_commands(process, monkeypatch), course, enrollment, modules


@pytest.mark.redis
def test_a_warm_api_read_is_one_round_trip_to_redis(app, make, redis_url, backend, monkeypatch):
    """The sign-in check and the figure the view reads are fetched together."""
    process, api, commands, course, enrollment, _modules = _recorded_process(make, redis_url, backend, monkeypatch)
    learner, teacher = api.token("s@example.com"), api.token("t@example.com")
    for path, token, field, expected in (("/api/progress/overall", learner, "completedModules", 1),
                                         (f"/api/progress/course/{enrollment.id}", learner, "completedModules", 1),
                                         (f"/api/analytics/courses/{course.id}", teacher, "totalEnrollments", 1)):
        assert api.get(path, token).get_json()[field] == expected  # computed and stored
        commands.clear()
        assert api.get(path, token).get_json()[field] == expected
        assert [args[0] for args in commands] == ["MGET"], path
    with process.app_context():
        db.engine.dispose()


@pytest.mark.redis
def test_a_cold_api_read_asks_redis_once_then_stores(app, make, redis_url, backend, monkeypatch):
    """After the course changes, its figures are found stale with the sign-in check and
    stored under the generations that lookup read: no second lookup between the two."""
    process, api, commands, course, enrollment, modules = _recorded_process(make, redis_url, backend, monkeypatch)
    learner, teacher = api.token("s@example.com"), api.token("t@example.com")
    path = f"/api/analytics/courses/{course.id}"
    assert api.get(path, teacher).get_json()["averageCompletion"] == 25.0
    assert api.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[1].id}", learner).status_code == 200
    commands.clear()
    assert api.get(path, teacher).get_json()["averageCompletion"] == 50.0
    assert [args[0] for args in commands] == ["MGET", "SET"]
    commands.clear()
    assert api.get(path, teacher).get_json()["averageCompletion"] == 50.0  # stored where the next read looks
    assert [args[0] for args in commands] == ["MGET"]
    with process.app_context():
        db.engine.dispose()


@pytest.mark.redis
def test_a_new_sign_in_s_cold_read_stores_its_check_and_its_answer_together(app, make, redis_url, backend,
                                                                          monkeypatch):
    """Neither the sign-in check nor the learner's numbers are cached: one round trip
    finds both missing, one stores both."""
    process, api, commands, _course, _enrollment, _modules = _recorded_process(make, redis_url, backend,
                                                                               monkeypatch)
    with process.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "s@example.com"))
        sign_in = sign_ins.start(user, "api")
        token = issue_tokens(user, sign_in.id, sign_in.refresh_jti)["access_token"]
        db.session.commit()
    commands.clear()
    assert api.get("/api/progress/overall", token).get_json()["completedModules"] == 1
    assert [args[0] for args in commands] == ["MGET", "PIPELINE"]
    assert commands[1] == ("PIPELINE", "SET", "SET")
    commands.clear()
    assert api.get("/api/progress/overall", token).get_json()["completedModules"] == 1
    assert [args[0] for args in commands] == ["MGET"]
    with process.app_context():
        db.engine.dispose()


@pytest.mark.redis
def test_two_processes_share_the_cache_and_its_invalidation(app, make, redis_url, backend):
    """Process A caches a learner's numbers; a write through process B must not leave A stale."""
    _student, _course, enrollment, modules = _setup(make)
    channel = f"elearn:test:{uuid.uuid4().hex}"
    process_a = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=channel)
    process_b = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=channel)
    from tests.conftest import Api

    a, b = Api(process_a.test_client()), Api(process_b.test_client())
    token = a.token("s@example.com")
    assert a.get("/api/progress/overall", token).get_json()["completedModules"] == 0
    assert b.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[0].id}", token).status_code == 200
    assert a.get("/api/progress/overall", token).get_json()["completedModules"] == 1
    for process in (process_a, process_b):
        with process.app_context():
            from elearn.extensions import db

            db.engine.dispose()


@pytest.mark.redis
def test_requests_succeed_from_the_database_while_redis_is_down(app, make, backend):
    _student, _course, enrollment, modules = _setup(make)
    broken = build_app(backend[1], REDIS_URL="redis://127.0.0.1:1/0", EVENT_CHANNEL="elearn:test:down")
    from tests.conftest import Api

    api = Api(broken.test_client())
    token = api.token("s@example.com")
    assert api.get("/api/progress/overall", token).get_json()["completedModules"] == 0
    assert api.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[0].id}", token).status_code == 200
    assert api.get("/api/progress/overall", token).get_json()["completedModules"] == 1
    with broken.app_context():
        from elearn.extensions import db

        db.engine.dispose()


def test_the_writing_request_renders_its_own_write(browser, make):
    """The course page's htmx answer to Mark complete is rendered before the commit."""
    _student, course, _enrollment, modules = _setup(make)
    browser.login("s@example.com")
    browser.client.get(f"/courses/{course.id}")  # caches the page's numbers
    html = browser.post(f"/courses/{course.id}/modules/{modules[0].id}/complete",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-status="completed"' in html and 'data-testid="course-percent">25%<' in html


@pytest.mark.redis
def test_a_crafted_value_in_redis_is_never_unpickled(app, make, redis_url, backend, tmp_path):
    """Redis holds JSON read through a declared type: a pickle planted there runs nothing."""
    import pickle

    import redis as redis_client

    _setup(make)
    channel = f"elearn:test:{uuid.uuid4().hex}"
    process = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=channel)
    from tests.conftest import Api

    api = Api(process.test_client())
    token = api.token("s@example.com")
    assert api.get("/api/progress/overall", token).get_json()["completedModules"] == 0  # cached now
    planted = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(planted), "w"))

    client = redis_client.Redis.from_url(redis_url)
    keys = client.keys(f"{channel}:cache:overall:*")
    assert keys, "the value was cached under the overall key"
    for key in keys:
        client.set(key, pickle.dumps(Exploit()))
    assert api.get("/api/progress/overall", token).get_json()["totalModules"] == 4
    assert not planted.exists()
    with process.app_context():
        from elearn.extensions import db

        db.engine.dispose()


@pytest.mark.redis
def test_markup_planted_in_a_shared_fragment_never_reaches_the_page(app, make, redis_url, backend):
    """The course page's figures and student list are shared from Redis signed: a value
    changed there is rendered afresh, not served, and the fresh one is stored over it (as
    after the key is replaced), so readers do not each render it again until it expires."""
    import json

    import redis as redis_client

    teacher = make.user("instructor", email="t@example.com")
    course = make.course(teacher, modules=2)
    make.enroll(make.user(email="s@example.com", name="Sam Student"), course)
    channel = f"elearn:test:{uuid.uuid4().hex}"
    process = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=channel)
    from tests.conftest import Browser

    browser = Browser(process.test_client())
    browser.login("t@example.com")
    page = f"/teach/courses/{course.id}"
    listed = {"HX-Request": "true"}  # the list, as the page fetches it when scrolled to
    assert "Sam Student" in browser.client.get(page, headers=listed).get_data(as_text=True)
    assert 'data-testid="total-enrollments">1<' in browser.client.get(page).get_data(as_text=True)
    client = redis_client.Redis.from_url(redis_url)
    keys = client.keys(f"{channel}:cache:students-html:*") + client.keys(f"{channel}:cache:course-figures-html:*")
    assert len(keys) == 2, keys
    for key in keys:
        generations, fragments = json.loads(client.get(key))
        forged = {name: '<script src="//evil.example/x.js"></script>' + value for name, value in fragments.items()}
        client.set(key, json.dumps([generations, forged]))
    # (with a query string, so that the page itself is rendered, not kept whole for its reader)
    html = browser.client.get(f"{page}?sort=-lastActivityAt").get_data(as_text=True)
    assert "evil.example" not in html and 'data-testid="total-enrollments">1<' in html
    html = browser.client.get(page, headers=listed).get_data(as_text=True)
    assert "evil.example" not in html and "Sam Student" in html
    for key in keys:
        assert b"evil.example" not in client.get(key), "stored over"
    with process.app_context():
        from elearn.extensions import db

        db.engine.dispose()


@pytest.mark.redis
def test_a_kept_page_copied_under_another_readers_key_is_not_served(app, make, redis_url, backend):
    """Signatures name their key: someone who can write to Redis cannot hand one reader's
    page (their name, their CSRF-less markup, their access) to another."""
    import redis as redis_client

    teacher = make.user("instructor", email="t@example.com", name="Tess Teacher")
    admin = make.user("admin", email="root@example.com", name="Ada Admin")
    course = make.course(teacher, modules=2)
    channel = f"elearn:test:{uuid.uuid4().hex}"
    process = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=channel)
    from tests.conftest import Browser

    readers = {}
    for email in ("t@example.com", "root@example.com"):
        readers[email] = Browser(process.test_client())
        readers[email].login(email)
        readers[email].client.get(f"/teach/courses/{course.id}")
    client = redis_client.Redis.from_url(redis_url)
    [teachers], [admins] = (client.keys(f"{channel}:cache:page:teach-course:{user.id}:*")
                            for user in (teacher, admin))
    client.set(admins, client.get(teachers))
    html = readers["root@example.com"].client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert ">Ada Admin <small" in html and "Tess Teacher <small" not in html
    with process.app_context():
        from elearn.extensions import db

        db.engine.dispose()


def test_broadcasts_move_one_generation_for_every_inbox_and_imports_their_courses():
    from elearn.cache import INBOXES_GENERATION, MANY_RECIPIENTS, generations_changed_by

    few = generations_changed_by([{"type": "message.received", "userIds": [1, 2]}])
    assert {"gen:inbox:1", "gen:inbox:2"} <= few and INBOXES_GENERATION not in few
    many = generations_changed_by([{"type": "message.received", "userIds": list(range(MANY_RECIPIENTS + 1))}])
    assert INBOXES_GENERATION in many and not any(name.startswith("gen:inbox:") for name in many)
    assert {"gen:course:3", "gen:course:4"} <= generations_changed_by([{"type": "import.applied", "courseIds": [3, 4]}])


@pytest.mark.redis
def test_a_write_made_while_redis_was_unreachable_is_not_hidden_when_it_returns(app, make, redis_url, backend):
    """Process A writes while its Redis is cut off (its invalidation is lost); once Redis is
    back, process B, which cached the old figure, must not serve it."""
    import time
    from urllib.parse import urlsplit

    from tests.proxy import Proxy

    _student, _course, enrollment, modules = _setup(make)
    target = urlsplit(redis_url)
    proxy = Proxy(target.hostname, target.port or 6379)
    channel = f"elearn:test:{uuid.uuid4().hex}"
    process_a = build_app(backend[1], REDIS_URL=f"redis://127.0.0.1:{proxy.port}{target.path or '/0'}",
                          EVENT_CHANNEL=channel)
    process_b = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=channel)
    from tests.conftest import Api

    a, b = Api(process_a.test_client()), Api(process_b.test_client())
    token = a.token("s@example.com")
    assert b.get("/api/progress/overall", token).get_json()["completedModules"] == 0  # B caches 0
    proxy.cut()
    assert a.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[0].id}", token).status_code == 200
    assert b.get("/api/progress/overall", token).get_json()["completedModules"] == 0, "stale while cut off"
    proxy.restore()
    deadline = time.monotonic() + 20
    while b.get("/api/progress/overall", token).get_json()["completedModules"] != 1:
        assert time.monotonic() < deadline, "B still serves the figure from before the write"
        time.sleep(0.1)
    proxy.cut()
    for process in (process_a, process_b):
        with process.app_context():
            from elearn.extensions import db

            db.engine.dispose()


@pytest.mark.redis
def test_values_computed_for_a_page_are_stored_together_and_found_meanwhile(app, redis_url, backend, monkeypatch):
    """Inside ``stores_held``, each value computed is stored at the end, all in one round
    trip; until then the request's own lookups find it (not computed twice)."""
    from elearn.cache import Entry, cached, stores_held

    process = build_app(backend[1], REDIS_URL=redis_url, EVENT_CHANNEL=f"elearn:test:{uuid.uuid4().hex}")
    commands = record_cache_commands(process, monkeypatch)
    computed = []

    def figure(name: str) -> int:
        return cached(Entry(("gen:course:1",), f"figure:{name}", int), lambda: computed.append(name) or len(computed))

    with process.test_request_context():
        with stores_held():
            assert (figure("a"), figure("b"), figure("a")) == (1, 2, 1)
            assert [args[0] for args in commands] == ["MGET", "MGET"], "nothing stored yet"
        assert commands[-1] == ("PIPELINE", "SET", "SET") and computed == ["a", "b"]
    with process.test_request_context():
        commands.clear()
        assert (figure("a"), figure("b")) == (1, 2)
        assert [args[0] for args in commands] == ["MGET", "MGET"] and computed == ["a", "b"]


@pytest.mark.redis
def test_a_completion_asks_redis_once_before_it_commits(app, make, redis_url, backend, monkeypatch):
    """The sign-in check and the event types webhooks listen to (read as the write commits)
    are fetched together: one lookup, then the invalidation and the events."""
    process, api, commands, _course, enrollment, modules = _recorded_process(make, redis_url, backend, monkeypatch)
    learner = api.token("s@example.com")
    assert api.get("/api/progress/overall", learner).status_code == 200  # (the sign-in checked once)
    commands.clear()
    answer = api.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[1].id}", learner)
    assert answer.status_code == 200 and answer.get_json()["completed"] is True
    lookups = [args for args in commands if args[0] == "MGET"]
    assert len(lookups) == 1, commands
    assert any(name.endswith(":cache:webhook-event-types") for name in lookups[0][1:])
    with process.app_context():
        db.engine.dispose()


def test_a_value_computed_before_the_local_cache_overflows_never_matches_again():
    """Overflowing, the in-process cache drops its counters too: a value whose computation
    began before, stored after, matched once the counters climbed back to its numbers."""
    from elearn.cache import LocalCache

    cache = LocalCache()
    names = ("gen:user:1",)
    cache.bump(names)
    cache.bump(names)
    generations, _ = cache.lookup("overall:1", names, dict)  # a slow computation starts here
    for n in range(50_002):
        cache.store(f"filler:{n}", [0, 0], n, int, 60)  # other requests fill the cache past its bound
    cache.bump(names)
    cache.bump(names)  # the counter is back where the computation read it
    cache.store("overall:1", generations, {"stale": True}, dict, 60)
    assert cache.lookup("overall:1", names, dict)[1] is None
