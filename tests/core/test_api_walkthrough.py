"""What a script does with only the API guide (docs/api.md) and the OpenAPI document."""


def test_script_creates_a_course_enrolls_and_completes_it(api, make):
    make.user("instructor", email="teacher@example.com", password="teacher-pw-1")
    teacher = api.post("/api/auth/login", json={"email": "teacher@example.com", "password": "teacher-pw-1"}).get_json()
    auth = teacher["accessToken"]
    course = api.post("/api/courses", auth, json={"title": "Scripting 101", "published": True,
                                                   "priceCents": 1500}).get_json()
    modules = [api.post(f"/api/courses/{course['id']}/modules", auth, json={"title": f"Step {k}"}).get_json()
               for k in (1, 2, 3, 4)]

    assert api.post("/api/auth/register", json={"email": "learner@example.com", "password": "learner-pw-1",
                                                 "name": "Learner"}).status_code == 201
    learner = api.post("/api/auth/login", json={"email": "learner@example.com", "password": "learner-pw-1"})
    token = learner.get_json()["accessToken"]
    catalog = api.get("/api/courses?q=scripting", token).get_json()
    assert [c["id"] for c in catalog["items"]] == [course["id"]]
    enrollment = api.post("/api/enrollments", token, json={"courseId": course["id"]}).get_json()
    result = api.post("/api/progress/bulk", token, json={"items": [
        {"enrollmentId": enrollment["id"], "moduleId": m["id"], "completed": True} for m in modules[:3]]})
    assert result.get_json()["changed"] == 3
    progress = api.get(f"/api/progress/course/{enrollment['id']}", token).get_json()
    assert (progress["completedModules"], progress["totalModules"], progress["percentage"]) == (3, 4, 75.0)
    teacher_view = api.get(f"/api/progress/course/{enrollment['id']}", auth).get_json()
    assert teacher_view == progress
