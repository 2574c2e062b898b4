"""The hub offers an event only to the sockets filed under its user or course."""
from elearn.realtime.hub import Hub
from elearn.realtime.local_bus import RECONNECTED, LocalBus


def _hub_with_asked():
    hub, asked = Hub(LocalBus()), []

    def wants(name):
        def check(message):
            asked.append(name)
            return True
        return check

    return hub, asked, wants


def test_an_event_is_filtered_only_by_the_listeners_filed_under_its_user_or_course():
    hub, asked, wants = _hub_with_asked()
    learners = [hub.register(wants(f"learner{k}"), user_id=k) for k in range(1000)]
    teacher = hub.register(wants("teacher"), user_id=5000, courses={7})
    admin = hub.register(wants("admin"), user_id=5001, everything=True)

    hub._dispatch({"type": "progress.updated", "userId": 3, "courseId": 7})
    assert sorted(asked) == ["admin", "learner3", "teacher"], "999 other learners were not even asked"
    assert [len(listener.drain(0)) for listener in (learners[3], teacher, admin)] == [1, 1, 1]
    assert learners[4].drain(0) == []

    asked.clear()
    hub._dispatch({"type": "course.updated", "courseId": 9})
    assert len(asked) == 1002, "course edits reach every page"
    hub.unregister(learners[3])
    hub.reroute(teacher, courses={8})
    asked.clear()
    hub._dispatch({"type": "progress.updated", "userId": 3, "courseId": 7})
    assert asked == ["admin"]
    asked.clear()
    hub._dispatch({"type": RECONNECTED})
    assert all(listener.drain(0) for listener in (teacher, admin, learners[0]))


def test_a_socket_whose_filter_fails_keeps_the_event_from_no_other(caplog):
    hub = Hub(LocalBus())
    before = hub.register(lambda message: True, user_id=3)
    broken = hub.register(lambda message: message["missing"], user_id=3)
    after = hub.register(lambda message: True, user_id=3)
    hub._dispatch({"type": "progress.updated", "userId": 3, "courseId": 7})
    assert [len(listener.drain(0)) for listener in (before, broken, after)] == [1, 0, 1]
    assert "a socket's filter failed on a progress.updated event" in caplog.text
