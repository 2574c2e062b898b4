"""WebSockets over a real server: who gets which pushes, and what they look like."""
import json
import socket
import threading
from contextlib import contextmanager

import pytest
from simple_websocket import ConnectionClosed
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

from tests.ws_client import Client

#: How long to wait for a message that must come: generous, so a busy machine only slows
#: the suite down.
DEADLINE = 20.0


def ws_url(server: str, path: str) -> str:
    return server.replace("http://", "ws://") + path


def receive_json(ws, timeout=DEADLINE, skip=("achievement.earned",)):
    """The next message, passing over badge announcements (tested in tests/achievements)."""
    while True:
        message = ws.receive(timeout=timeout)
        assert message is not None, "no message within the timeout"
        data = json.loads(message)
        if data.get("type") not in skip:
            return data


def assert_silent(ws, timeout=0.5):
    """Nothing but badge announcements arrives within ``timeout``."""
    while (message := ws.receive(timeout=timeout)) is not None:
        assert json.loads(message)["type"] == "achievement.earned", message


def test_api_socket_sends_a_snapshot_then_own_events(server, api, make):
    student, other = make.user(email="s@example.com"), make.user(email="o@example.com")
    course = make.course(modules=4)
    enrollment = make.enroll(student, course)
    other_enrollment = make.enroll(other, course)
    modules = make.modules(course)
    token, other_token = api.token("s@example.com"), api.token("o@example.com")
    mine = Client.connect(ws_url(server, f"/api/ws?token={token}"))
    theirs = Client.connect(ws_url(server, "/api/ws"), headers={"Authorization": f"Bearer {other_token}"})
    try:
        assert receive_json(mine) == {"type": "hello", "userId": student.id, "overall": {
            "totalModules": 4, "completedModules": 0, "percentage": 0.0}}
        assert receive_json(theirs)["type"] == "hello"
        api.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[0].id}", token)
        event = receive_json(mine)
        assert {k: event[k] for k in ("type", "userId", "enrollmentId", "courseId", "moduleId", "completed")} == {
            "type": "progress.updated", "userId": student.id, "enrollmentId": enrollment.id,
            "courseId": course.id, "moduleId": modules[0].id, "completed": True}
        assert event["course"] == {"totalModules": 4, "completedModules": 1, "percentage": 25.0}
        assert event["overall"] == {"totalModules": 4, "completedModules": 1, "percentage": 25.0}
        assert_silent(theirs)  # another student's socket hears nothing
        api.post(f"/api/progress/mark-completed/{other_enrollment.id}/{modules[0].id}", other_token)
        assert receive_json(theirs)["userId"] == other.id
        assert_silent(mine)
    finally:
        mine.close()
        theirs.close()


def test_instructor_hears_their_courses_only(server, api, make):
    """Of a learner's change, an instructor hears its course's figures, not the learner's
    over all their courses (``overall``: another instructor's course is in it); the learner
    and admins hear it whole."""
    ada = make.user("instructor", email="ada@example.com")
    bob = make.user("instructor", email="bob@example.com")
    make.user("admin", email="root@example.com")
    student = make.user(email="s@example.com")
    course = make.course(ada, modules=2)
    make.enroll(student, make.course(bob, modules=3))
    enrollment = make.enroll(student, course)
    module = make.modules(course)[0]
    teacher = Client.connect(ws_url(server, f"/api/ws?token={api.token('ada@example.com')}"))
    stranger = Client.connect(ws_url(server, f"/api/ws?token={api.token('bob@example.com')}"))
    admin = Client.connect(ws_url(server, f"/api/ws?token={api.token('root@example.com')}"))
    learner = Client.connect(ws_url(server, f"/api/ws?token={api.token('s@example.com')}"))
    try:
        receive_json(teacher), receive_json(stranger), receive_json(admin), receive_json(learner)
        api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", api.token("s@example.com"))
        heard = receive_json(teacher)
        assert heard["userId"] == student.id and heard["course"]["completedModules"] == 1
        assert "overall" not in heard
        for whole in (receive_json(admin), receive_json(learner)):
            assert whole["overall"] == {"totalModules": 5, "completedModules": 1, "percentage": 20.0}, whole
        assert_silent(stranger)
    finally:
        for socket_ in (teacher, stranger, admin, learner):
            socket_.close()


@pytest.mark.parametrize("query", ["", "?token=not-a-jwt"])
def test_api_socket_refuses_missing_or_bad_tokens(server, query):
    ws = Client.connect(ws_url(server, f"/api/ws{query}"))
    with pytest.raises(ConnectionClosed):
        ws.receive(timeout=DEADLINE)


def test_api_socket_refuses_a_disabled_users_token(server, api, make, db):
    user = make.user(email="s@example.com")
    token = api.token("s@example.com")
    user.active = False
    db.session.commit()
    ws = Client.connect(ws_url(server, f"/api/ws?token={token}"))
    with pytest.raises(ConnectionClosed):
        ws.receive(timeout=DEADLINE)


def _session_cookie(browser, email):
    browser.login(email)
    return f"session={browser.client.get_cookie('session').value}"


def test_browser_socket_pushes_dashboard_fragments(server, browser, api, make):
    student = make.user(email="s@example.com", name="Sam Student")
    course = make.course(modules=4, title="Fractions")
    enrollment = make.enroll(student, course)
    module = make.modules(course)[0]
    cookie = _session_cookie(browser, "s@example.com")
    ws = Client.connect(ws_url(server, "/ws?view=dashboard"), headers={"Cookie": cookie, "Origin": server})
    try:
        snapshot = ws.receive(timeout=DEADLINE)
        assert '<hx-partial hx-target="#overall-progress" hx-swap="outerMorph">' in snapshot
        assert 'data-testid="overall-percent">0%<' in snapshot and "Fractions" in snapshot
        api.post(f"/api/progress/mark-completed/{enrollment.id}/{module.id}", api.token("s@example.com"))
        pushed = ws.receive(timeout=DEADLINE)
        while "First step" not in pushed:  # the badge may come with the progress push or just after
            pushed = ws.receive(timeout=DEADLINE)
        assert 'data-testid="overall-percent">25%<' in pushed
        assert '<hx-partial hx-target="#toasts" hx-swap="beforeend">' in pushed
        assert 'data-badge="first-module">New badge: <strong>First step</strong>' in pushed
    finally:
        ws.close()


def test_browser_socket_refuses_strangers_and_foreign_origins(server, browser, make):
    make.user(email="s@example.com")
    anonymous = Client.connect(ws_url(server, "/ws?view=dashboard"))
    with pytest.raises(ConnectionClosed):
        anonymous.receive(timeout=DEADLINE)
    cookie = _session_cookie(browser, "s@example.com")
    forged = Client.connect(ws_url(server, "/ws?view=dashboard"),
                            headers={"Cookie": cookie, "Origin": "http://evil.example"})
    with pytest.raises(ConnectionClosed):
        forged.receive(timeout=DEADLINE)
    unknown_view = Client.connect(ws_url(server, "/ws?view=nonsense"), headers={"Cookie": cookie})
    with pytest.raises(ConnectionClosed):
        unknown_view.receive(timeout=DEADLINE)


def test_course_view_needs_a_visible_course(server, browser, make):
    make.user(email="s@example.com")
    draft = make.course(modules=1, published=False)
    cookie = _session_cookie(browser, "s@example.com")
    ws = Client.connect(ws_url(server, f"/ws?view=course:{draft.id}"), headers={"Cookie": cookie})
    with pytest.raises(ConnectionClosed):
        ws.receive(timeout=DEADLINE)


def _close(ws):
    if ws.connected:
        ws.close()


def _receive_until(ws, text, present=True):
    """The first push in which ``text`` is (or, with ``present=False``, is no longer) shown."""
    while True:
        pushed = ws.receive(timeout=DEADLINE)
        assert pushed is not None, f"no push {'showing' if present else 'without'} {text!r} in time"
        if (text in pushed) == present:
            return pushed


def test_course_page_follows_contents_added_and_removed(server, browser, api, make):
    ada = make.user("instructor", email="ada@example.com")
    student = make.user(email="s@example.com")
    course = make.course(ada, modules=2, title="Fractions")
    make.enroll(student, course)
    module = make.modules(course)[0]
    ws = Client.connect(ws_url(server, f"/ws?view=course:{course.id}"),
                        headers={"Cookie": _session_cookie(browser, "s@example.com"), "Origin": server})
    try:
        assert "Halves explained" not in ws.receive(timeout=DEADLINE)
        token = api.token("ada@example.com")
        added = api.post(f"/api/modules/{module.id}/contents", token,
                         json={"title": "Halves explained", "type": "article", "url": "https://example.com/halves"})
        assert added.status_code == 201
        assert 'href="https://example.com/halves"' in _receive_until(ws, "Halves explained")
        assert api.delete(f"/api/contents/{added.get_json()['id']}", token).status_code == 204
        _receive_until(ws, "Halves explained", present=False)
    finally:
        ws.close()


def test_disabling_a_user_signs_out_their_open_pages(server, browser, api, make):
    make.user(email="s@example.com")
    student = make.user(email="t@example.com")
    make.user("admin", email="root@example.com")
    watching = Client.connect(ws_url(server, "/ws?view=dashboard"),
                              headers={"Cookie": _session_cookie(browser, "t@example.com"), "Origin": server})
    try:
        watching.receive(timeout=DEADLINE)  # the snapshot
        response = api.patch(f"/api/users/{student.id}", api.token("root@example.com"), json={"active": False})
        assert response.status_code == 200
        notice = watching.receive(timeout=DEADLINE)
        assert 'data-state="ended"' in notice and "Signed out." in notice
        assert '<hx-partial hx-target="#live-connection" hx-swap="outerHTML">' in notice
        with pytest.raises(ConnectionClosed):
            watching.receive(timeout=DEADLINE)
    finally:
        _close(watching)


def test_an_instructor_demoted_to_student_loses_the_course_dashboard_socket(server, browser, api, make):
    ada = make.user("instructor", email="ada@example.com")
    make.user("admin", email="root@example.com")
    course = make.course(ada, modules=1)
    ws = Client.connect(ws_url(server, f"/ws?view=teach-course:{course.id}"),
                        headers={"Cookie": _session_cookie(browser, "ada@example.com"), "Origin": server})
    try:
        ws.receive(timeout=DEADLINE)
        api.patch(f"/api/users/{ada.id}", api.token("root@example.com"), json={"role": "student"})
        with pytest.raises(ConnectionClosed):
            while ws.receive(timeout=DEADLINE) is not None:
                pass
            pytest.fail("the socket stayed open")
    finally:
        _close(ws)


@contextmanager
def _handshake_then(event, wait_for_close: bool):
    """A one-shot WebSocket server that answers the handshake and sends ``event`` in the
    same write, as a busy machine delivers them; yields its ws:// URL."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve_once():
        conn, _ = listener.accept()
        with conn:
            server = WSConnection(ConnectionType.SERVER)
            server.receive_data(conn.recv(4096))
            assert any(isinstance(item, Request) for item in server.events())
            conn.sendall(server.send(AcceptConnection()) + server.send(event))
            if wait_for_close:
                conn.recv(4096)

    threading.Thread(target=serve_once, daemon=True).start()
    try:
        yield f"ws://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        listener.close()


def test_the_test_client_sees_a_message_sent_with_the_handshake():
    """The race ``Client`` fixes: the first message must not be lost in the handshake's read."""
    with _handshake_then(TextMessage("snapshot"), wait_for_close=True) as url:
        ws = Client.connect(url)
        try:
            assert ws.receive(timeout=DEADLINE) == "snapshot"
        finally:
            _close(ws)


def test_the_test_client_reports_a_refusal_sent_with_the_handshake():
    with _handshake_then(CloseConnection(code=1008, reason="no"), wait_for_close=False) as url:
        ws = Client.connect(url)
        try:
            with pytest.raises(ConnectionClosed):
                ws.receive(timeout=DEADLINE)
            assert ws.close_reason == 1008
        finally:
            _close(ws)


def test_api_socket_closes_when_its_token_is_revoked(server, api, make):
    make.user(email="s@example.com")
    token = api.token("s@example.com")
    ws = Client.connect(ws_url(server, f"/api/ws?token={token}"))
    try:
        assert receive_json(ws)["type"] == "hello"
        assert api.post("/api/auth/logout", token).status_code == 204
        notice = receive_json(ws)
        assert (notice["type"], notice["reason"]) == ("user.updated", "signed_out")
        with pytest.raises(ConnectionClosed):
            ws.receive(timeout=DEADLINE)
        assert ws.close_reason == 1008
    finally:
        _close(ws)


def test_api_socket_of_a_demoted_instructor_stops_hearing_their_students(server, api, make):
    ada = make.user("instructor", email="ada@example.com")
    make.user("admin", email="root@example.com")
    student = make.user(email="s@example.com")
    course = make.course(ada, modules=3)
    enrollment = make.enroll(student, course)
    modules = make.modules(course)
    student_token = api.token("s@example.com")
    teacher = Client.connect(ws_url(server, f"/api/ws?token={api.token('ada@example.com')}"))
    try:
        receive_json(teacher)
        api.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[0].id}", student_token)
        assert receive_json(teacher)["userId"] == student.id
        api.patch(f"/api/users/{ada.id}", api.token("root@example.com"), json={"role": "student"})
        assert receive_json(teacher)["type"] == "user.updated"
        api.post(f"/api/progress/mark-completed/{enrollment.id}/{modules[1].id}", student_token)
        assert_silent(teacher)
    finally:
        _close(teacher)


@pytest.mark.parametrize("origin, same", [
    ("http://localhost:5000", True), ("http://localhost:5001", False), ("http://evil.example:5000", False),
    ("http://localhost:99999", False), ("http://localhost:port", False), ("http://[::1", False),
])
def test_the_origin_check_refuses_broken_ports_instead_of_crashing(app, origin, same):
    from elearn.realtime.sockets import same_origin

    with app.test_request_context("/ws", headers={"Origin": origin, "Host": "localhost:5000"}):
        assert same_origin() is same


@pytest.mark.parametrize("spec", ["course:²", "teach-course:²", "course:" + "9" * 30, "teach-course:0"])
def test_a_live_view_naming_no_valid_id_is_not_found(app, make, spec):
    """"²" is a digit to ``str.isdigit`` but not to ``int``: it used to end the socket with
    a server error, not the refusal every other unknown course gets."""
    from elearn.errors import NotFound
    from elearn.realtime.live import open_live_view

    admin = make.user("admin")
    with app.test_request_context("/ws"), pytest.raises(NotFound):
        open_live_view(admin, spec)
