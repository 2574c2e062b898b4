"""The number of SQL statements per request does not grow with the data."""


def _statements(api, count_queries, path, token):
    with count_queries() as statements:
        response = api.get(path, token)
    assert response.status_code == 200, response.get_json()
    return len(statements)


def test_overall_progress_query_count_is_flat(api, make, count_queries):
    student = make.user(email="s@example.com")
    token = api.token("s@example.com")
    make.complete(make.enroll(student, make.course(modules=2)), 1)
    small = _statements(api, count_queries, "/api/progress/overall", token)
    for _ in range(6):
        make.complete(make.enroll(student, make.course(modules=5)), 3)
    assert _statements(api, count_queries, "/api/progress/overall", token) == small <= 3


def test_course_progress_query_count_is_flat(api, make, count_queries):
    student = make.user(email="s@example.com")
    token = api.token("s@example.com")
    small = make.complete(make.enroll(student, make.course(modules=2)), 1)
    large = make.complete(make.enroll(student, make.course(modules=30)), 20)
    few = _statements(api, count_queries, f"/api/progress/course/{small.id}", token)
    assert _statements(api, count_queries, f"/api/progress/course/{large.id}", token) == few <= 4
    both = f"/api/progress/courses?ids={small.id},{large.id}"
    assert _statements(api, count_queries, both, token) == few


def make_user_id(db, email):
    from elearn.auth.models import User

    return db.session.scalar(db.select(User.id).where(User.email == email))


def test_a_learners_cached_course_progress_costs_no_statement_and_stays_theirs(api, app, db, make, count_queries):
    from elearn.cache import user_generation

    student = make.user(email="s@example.com")
    teacher = make.user("instructor", email="t@example.com")
    make.user(email="other@example.com")
    enrollment = make.complete(make.enroll(student, make.course(teacher, modules=4)), 1)
    path = f"/api/progress/course/{enrollment.id}"
    token = api.token("s@example.com")
    assert api.get(path, token).get_json()["completedModules"] == 1
    assert _statements(api, count_queries, path, token) == 0, "the learner's warm read: the cache alone"
    # Another learner whose own generation has reached the same number finds the cached
    # value current for them too: only its learner's id keeps it from them.
    cache = app.extensions["elearn.cache"]
    other = make_user_id(db, "other@example.com")

    def generation(user_id):
        return cache.lookup("x", (user_generation(user_id),), int)[0][0]

    while generation(other) < generation(student.id):
        cache.bump({user_generation(other)})
    assert generation(other) == generation(student.id)
    assert api.get(path, api.token("other@example.com")).status_code == 404, "cached or not, not theirs"
    teacher_token = api.token("t@example.com")
    assert api.get(path, teacher_token).get_json()["completedModules"] == 1
    assert _statements(api, count_queries, path, teacher_token) == 1, "their instructor's: the enrollment checked"
    make.complete(enrollment, 2)
    assert api.get(path, token).get_json()["completedModules"] == 2


def test_admin_progress_list_query_count_is_flat(api, make, count_queries):
    make.user("admin", email="root@example.com")
    token = api.token("root@example.com")
    course = make.course(modules=10)
    make.complete(make.enroll(make.user(), course), 2)
    small = _statements(api, count_queries, "/api/progress", token)
    for _ in range(5):
        make.complete(make.enroll(make.user(), course), 10)
    assert _statements(api, count_queries, "/api/progress", token) == small <= 4
    assert _statements(api, count_queries, f"/api/progress?courseId={course.id}&completed=true", token) == small
