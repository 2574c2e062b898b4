"""Active time in a real browser: a visible page its learner works on sends heartbeats; an
idle page and a hidden one send none. The beat is shortened from 30 s to 1.5 s."""
import time

import pytest
from sqlalchemy import select

from tests.browser.conftest import DEMO_PASSWORD, LIVE_DEADLINE_MS, sign_in

pytestmark = pytest.mark.browser
BEAT_MS = 1500
HIDDEN = "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden'});"


def _learner(live_app, email):
    """A new learner, with its first module started, of a course of this test's own (the
    demo's courses keep the numbers other tests read)."""
    from elearn.auth.models import User
    from elearn.auth.service import create_user
    from elearn.catalog import service as catalog
    from elearn.catalog.models import Course, Module
    from elearn.enrollments.service import enroll
    from elearn.extensions import db
    from elearn.progress import writes

    with live_app.app_context():
        course = db.session.scalar(select(Course).filter_by(title="Focus Practice"))
        if course is None:
            ada = db.session.scalar(select(User).filter_by(email="ada@example.com"))
            course = catalog.create_course(ada, title="Focus Practice", published=True)
            catalog.add_module(ada, course.id, title="Reading with focus")
            db.session.commit()
        first = db.session.scalar(select(Module).filter_by(course_id=course.id, position=1))
        user = create_user(email, DEMO_PASSWORD, email.split("@")[0].title())
        enrollment = enroll(user, course.id)
        writes.start_module(user, enrollment.id, first.id)
        db.session.commit()
        return course.id, enrollment.id, first.id


def _active_seconds(live_app, enrollment_id, module_id):
    from elearn.extensions import db
    from elearn.progress.models import Progress

    with live_app.app_context():
        return db.session.scalar(select(Progress.active_seconds).filter_by(enrollment_id=enrollment_id,
                                                                           module_id=module_id))


def _open(new_page, live_server, email, course_id, *scripts):
    page = new_page("desktop")
    page.context.add_init_script(f"window.ELEARN_HEARTBEAT_MS = {BEAT_MS};")
    for script in scripts:
        page.context.add_init_script(script)
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/courses/{course_id}")
    return page


def _work(page, module_id, seconds):
    """Click about in the module's row, as a learner reading it does, for ``seconds``."""
    row = page.locator(f"#module-{module_id} .module-title")
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        row.click()
        page.wait_for_timeout(300)


def test_only_a_visible_page_in_use_adds_active_time(live_server, live_app, new_page):
    course_id, active_enrollment, module_id = _learner(live_app, "busy@example.com")
    _, idle_enrollment, _ = _learner(live_app, "idle@example.com")
    _, hidden_enrollment, _ = _learner(live_app, "hidden@example.com")

    active = _open(new_page, live_server, "busy@example.com", course_id)
    idle = _open(new_page, live_server, "idle@example.com", course_id)
    hidden = _open(new_page, live_server, "hidden@example.com", course_id, HIDDEN)
    _work(hidden, module_id, 5)
    _work(active, module_id, 5)
    deadline = time.monotonic() + LIVE_DEADLINE_MS / 1000
    while _active_seconds(live_app, active_enrollment, module_id) < 2 and time.monotonic() < deadline:
        _work(active, module_id, 1)
    assert _active_seconds(live_app, active_enrollment, module_id) >= 2
    idle.wait_for_timeout(2 * BEAT_MS)
    assert _active_seconds(live_app, idle_enrollment, module_id) == 0, "open but untouched"
    assert _active_seconds(live_app, hidden_enrollment, module_id) == 0, "in use but hidden"
