"""Catalog and course authoring through HTTP."""
from sqlalchemy import select

from elearn.catalog.models import Course
from elearn.enrollments.models import Enrollment
from tests.conftest import table_counts


def _authors(make, api):
    make.user("instructor", email="ada@example.com")
    make.user("instructor", email="bob@example.com")
    make.user("admin", email="root@example.com")
    make.user("student", email="sam@example.com")
    return {who: api.token(f"{who}@example.com") for who in ("ada", "bob", "root", "sam")}


def test_instructor_creates_a_course_with_ordered_modules_and_contents(api, make):
    tokens = _authors(make, api)
    created = api.post("/api/courses", tokens["ada"], json={
        "title": "Rust", "description": "Systems", "priceCents": 1999, "published": True,
        "thumbnailUrl": "https://img.example.com/rust.png"})
    assert created.status_code == 201
    course = created.get_json()
    assert created.headers["Location"].endswith(f"/api/courses/{course['id']}")
    assert (course["title"], course["priceCents"], course["moduleCount"], course["modules"]) == ("Rust", 1999, 0, [])
    for title in ("Ownership", "Borrowing", "Lifetimes"):
        assert api.post(f"/api/courses/{course['id']}/modules", tokens["ada"], json={"title": title}).status_code == 201
    inserted = api.post(f"/api/courses/{course['id']}/modules", tokens["ada"], json={"title": "Setup", "order": 1})
    assert inserted.get_json()["order"] == 1
    module_id = inserted.get_json()["id"]
    content = api.post(f"/api/modules/{module_id}/contents", tokens["ada"],
                       json={"title": "Install", "type": "video", "url": "https://v.example.com/install.mp4"})
    assert content.status_code == 201 and content.get_json()["order"] == 1
    detail = api.get(f"/api/courses/{course['id']}", tokens["sam"]).get_json()
    assert [m["title"] for m in detail["modules"]] == ["Setup", "Ownership", "Borrowing", "Lifetimes"]
    assert [m["order"] for m in detail["modules"]] == [1, 2, 3, 4]
    assert detail["moduleCount"] == 4
    assert detail["modules"][0]["contents"][0]["url"] == "https://v.example.com/install.mp4"


def test_reordering_and_deleting_modules_keeps_positions_dense(api, make, db):
    tokens = _authors(make, api)
    course = api.post("/api/courses", tokens["ada"], json={"title": "C"}).get_json()
    ids = [api.post(f"/api/courses/{course['id']}/modules", tokens["ada"], json={"title": t}).get_json()["id"]
           for t in "ABCD"]
    moved = api.patch(f"/api/modules/{ids[3]}", tokens["ada"], json={"order": 1, "title": "D!"})
    assert moved.status_code == 200 and (moved.get_json()["order"], moved.get_json()["title"]) == (1, "D!")
    assert api.delete(f"/api/modules/{ids[1]}", tokens["ada"]).status_code == 204
    detail = api.get(f"/api/courses/{course['id']}", tokens["ada"]).get_json()
    assert [(m["title"], m["order"]) for m in detail["modules"]] == [("D!", 1), ("A", 2), ("C", 3)]
    assert detail["moduleCount"] == 3


def test_adding_and_deleting_modules_moves_every_enrollments_numbers(api, make, db):
    tokens = _authors(make, api)
    course = api.post("/api/courses", tokens["ada"], json={"title": "C", "published": True}).get_json()
    ids = [api.post(f"/api/courses/{course['id']}/modules", tokens["ada"], json={"title": t}).get_json()["id"]
           for t in "AB"]
    make.user(email="done@example.com")
    make.user(email="half@example.com")
    e_done = api.post("/api/enrollments", api.token("done@example.com"), json={"courseId": course["id"]}).get_json()
    e_half = api.post("/api/enrollments", api.token("half@example.com"), json={"courseId": course["id"]}).get_json()
    for module_id in ids:
        api.post(f"/api/progress/mark-completed/{e_done['id']}/{module_id}", api.token("done@example.com"))
    api.post(f"/api/progress/mark-completed/{e_half['id']}/{ids[0]}", api.token("half@example.com"))

    def numbers():
        db.session.expire_all()
        return [(e.completed_count, e.completed_at is not None)
                for e in db.session.scalars(select(Enrollment).order_by(Enrollment.id))]

    assert numbers() == [(2, True), (1, False)]
    new_id = api.post(f"/api/courses/{course['id']}/modules", tokens["ada"], json={"title": "C"}).get_json()["id"]
    assert numbers() == [(2, False), (1, False)]
    assert api.get(f"/api/progress/course/{e_done['id']}", api.token("done@example.com")).get_json()["percentage"] == 66.67
    api.delete(f"/api/modules/{new_id}", tokens["ada"])
    assert numbers() == [(2, True), (1, False)]
    api.delete(f"/api/modules/{ids[0]}", tokens["ada"])
    assert numbers() == [(1, True), (0, False)]
    assert api.get(f"/api/progress/course/{e_half['id']}", api.token("half@example.com")).get_json()["percentage"] == 0.0


def test_only_the_owner_or_an_admin_changes_a_course(api, make, db):
    tokens = _authors(make, api)
    course = api.post("/api/courses", tokens["ada"], json={"title": "Mine", "published": True}).get_json()
    module = api.post(f"/api/courses/{course['id']}/modules", tokens["ada"], json={"title": "M"}).get_json()
    counts = table_counts(db)
    for who, expected in (("bob", 403), ("sam", 403)):
        token = tokens[who]
        assert api.patch(f"/api/courses/{course['id']}", token, json={"title": "X"}).status_code == expected
        assert api.delete(f"/api/courses/{course['id']}", token).status_code == expected
        assert api.post(f"/api/courses/{course['id']}/modules", token, json={"title": "X"}).status_code == expected
        assert api.patch(f"/api/modules/{module['id']}", token, json={"title": "X"}).status_code == expected
        assert api.delete(f"/api/modules/{module['id']}", token).status_code == expected
        assert api.post(f"/api/modules/{module['id']}/contents", token,
                        json={"title": "X", "type": "link", "url": "https://x.example"}).status_code == expected
    assert api.post("/api/courses", tokens["sam"], json={"title": "X"}).status_code == 403
    assert table_counts(db) == counts
    assert db.session.get(Course, course["id"]).title == "Mine"
    assert api.patch(f"/api/courses/{course['id']}", tokens["root"], json={"title": "Admin's"}).status_code == 200
    assert api.delete(f"/api/courses/{course['id']}", tokens["ada"]).status_code == 204
    assert api.get(f"/api/courses/{course['id']}", tokens["ada"]).status_code == 404


def test_drafts_are_hidden_from_everyone_but_owner_and_admin(api, make):
    tokens = _authors(make, api)
    draft = api.post("/api/courses", tokens["ada"], json={"title": "Draft"}).get_json()
    api.post("/api/courses", tokens["ada"], json={"title": "Live", "published": True})
    for who, sees in (("ada", True), ("root", True), ("bob", False), ("sam", False)):
        titles = [c["title"] for c in api.get("/api/courses", tokens[who]).get_json()["items"]]
        assert ("Draft" in titles) is sees, who
        assert api.get(f"/api/courses/{draft['id']}", tokens[who]).status_code == (200 if sees else 404)
    assert api.patch(f"/api/courses/{draft['id']}", tokens["bob"], json={"title": "X"}).status_code == 404


def test_catalog_search_filters_and_pages(api, make):
    tokens = _authors(make, api)
    cats = {c["name"]: c["id"] for c in api.get("/api/categories", tokens["sam"]).get_json()}
    assert cats == {}
    for title in ("Python 101", "Advanced Python", "Go Basics", "100% Rust"):
        api.post("/api/courses", tokens["ada"], json={"title": title, "published": True})
    found = api.get("/api/courses?q=python", tokens["sam"]).get_json()
    assert [c["title"] for c in found["items"]] == ["Advanced Python", "Python 101"]
    assert [c["title"] for c in api.get("/api/courses?q=100%25", tokens["sam"]).get_json()["items"]] == ["100% Rust"]
    page = api.get("/api/courses?perPage=3&page=2", tokens["sam"]).get_json()
    assert (page["total"], len(page["items"])) == (4, 1)


def test_unknown_category_and_bad_fields_are_422(api, make, db):
    tokens = _authors(make, api)
    counts = table_counts(db)
    bad = api.post("/api/courses", tokens["ada"], json={"title": "X", "categoryId": 999})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"] == {"categoryId": "No such category."}
    for body, field in (
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "X", "priceCents": -1}, "priceCents"),
        ({"title": "X", "priceCents": "ten"}, "priceCents"),
        ({"title": "X", "thumbnailUrl": "javascript:alert(1)"}, "thumbnailUrl"),
        ({"title": "X", "colour": "red"}, "colour"),
    ):
        response = api.post("/api/courses", tokens["ada"], json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["details"], response.get_json()
    course = api.post("/api/courses", tokens["ada"], json={"title": "Ok"}).get_json()
    module = api.post(f"/api/courses/{course['id']}/modules", tokens["ada"], json={"title": "M"}).get_json()
    bad_content = api.post(f"/api/modules/{module['id']}/contents", tokens["ada"],
                           json={"title": "X", "type": "hologram", "url": "javascript:alert(1)"})
    assert set(bad_content.get_json()["error"]["details"]) == {"type", "url"}
    assert table_counts(db)["courses"] == counts["courses"] + 1


def test_enrolling(api, make, db):
    tokens = _authors(make, api)
    live = api.post("/api/courses", tokens["ada"], json={"title": "Live", "published": True, "priceCents": 4900}).get_json()
    draft = api.post("/api/courses", tokens["ada"], json={"title": "Draft"}).get_json()
    created = api.post("/api/enrollments", tokens["sam"], json={"courseId": live["id"]})
    assert created.status_code == 201
    body = created.get_json()
    assert set(body) >= {"id", "userId", "courseId", "enrolledAt"} and body["pricePaidCents"] == 4900
    assert api.post("/api/enrollments", tokens["sam"], json={"courseId": live["id"]}).status_code == 409
    assert api.post("/api/enrollments", tokens["sam"], json={"courseId": draft["id"]}).status_code == 404
    assert api.post("/api/enrollments", tokens["sam"], json={"courseId": 99999}).status_code == 404
    assert api.post("/api/enrollments", tokens["ada"], json={"courseId": live["id"]}).status_code == 403
    other = make.user(email="kim@example.com")
    assert api.post("/api/enrollments", tokens["sam"], json={"courseId": live["id"], "userId": other.id}).status_code == 403
    by_admin = api.post("/api/enrollments", tokens["root"], json={"courseId": draft["id"], "userId": other.id})
    assert by_admin.status_code == 201 and by_admin.get_json()["userId"] == other.id
    mine = api.get("/api/enrollments", tokens["sam"]).get_json()
    assert [(e["courseTitle"], e["totalModules"], e["percentage"]) for e in mine["items"]] == [("Live", 0, 0.0)]
    assert api.get(f"/api/enrollments?userId={other.id}", tokens["sam"]).status_code == 403
    assert api.get(f"/api/enrollments?userId={other.id}", tokens["root"]).get_json()["total"] == 1
    from elearn.catalog.models import Course
    from elearn.enrollments.service import recount_enrollment_counts

    db.session.expire_all()
    kept = db.session.execute(select(Course.id, Course.enrollment_count).order_by(Course.id)).all()
    assert [n for _, n in kept] == [1, 1], "each accepted enrollment counted once, the refused ones not"
    recount_enrollment_counts()
    assert db.session.execute(select(Course.id, Course.enrollment_count).order_by(Course.id)).all() == kept
    db.session.rollback()


def test_price_paid_is_fixed_at_enrollment(api, make, db):
    tokens = _authors(make, api)
    course = api.post("/api/courses", tokens["ada"], json={"title": "P", "published": True, "priceCents": 1000}).get_json()
    api.post("/api/enrollments", tokens["sam"], json={"courseId": course["id"]})
    api.patch(f"/api/courses/{course['id']}", tokens["ada"], json={"priceCents": 5000})
    assert db.session.scalar(select(Enrollment.price_paid_cents)) == 1000
