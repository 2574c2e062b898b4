"""Input errors read as plain sentences, the same in forms and in the JSON API's 422."""
import re

import pytest
from pydantic import ValidationError

from elearn.auth.schemas import PasswordChangeIn, RegisterIn, UserUpdateIn
from elearn.catalog.schemas import CourseIn, CourseUpdateIn, ModuleIn
from elearn.progress.schemas import BulkIn
from elearn.schemas import PageQuery
from elearn.web.validation_messages import field_messages

#: How pydantic words its errors; no user should read this.
PYDANTIC_WORDING = re.compile(r"String should|Input should|Field required|Value error|Extra inputs|"
                              r"value is not a valid|List should")


def messages(schema, values) -> dict[str, str]:
    with pytest.raises(ValidationError) as error:
        schema.model_validate(values)
    return field_messages(error.value.errors(), schema)


@pytest.mark.parametrize("schema, values, expected", [
    (RegisterIn, {"email": "", "name": "", "password": "short"},
     {"email": "Enter an email address.", "name": "Enter a name.", "password": "Use at least 8 characters."}),
    (RegisterIn, {"email": "nobody", "name": "N" * 121, "password": "p" * 129},
     {"email": "Enter a valid email address, like name@example.com.",
      "name": "Enter a name of at most 120 characters.", "password": "Enter a password of at most 128 characters."}),
    (PasswordChangeIn, {"currentPassword": "", "newPassword": "long-enough-1"},
     {"currentPassword": "Enter your current password."}),
    (PasswordChangeIn, {}, {"currentPassword": "Enter your current password.", "newPassword": "Enter a new password."}),
    (ModuleIn, {"title": "T" * 201, "order": 0},
     {"title": "Enter a title of at most 200 characters.", "order": "Position must be 1 or more."}),
    (CourseIn, {"title": "Fine", "priceCents": "ten", "categoryId": 0, "thumbnailUrl": "javascript:alert(1)"},
     {"priceCents": "Enter a price in cents as a whole number.", "categoryId": "Category ID must be 1 or more.",
      "thumbnailUrl": "Enter a thumbnail URL starting with https://, http:// or /."}),
    (CourseIn, {"title": "Fine", "priceCents": 100_000_001},
     {"priceCents": "Price in cents must be 100,000,000 or less."}),
    (CourseUpdateIn, {"title": None}, {"title": "Title cannot be null; leave it out to keep it as it is."}),
    (UserUpdateIn, {"role": "wizard", "active": "maybe", "timezone": "Mars/Olympus", "nickname": "x"},
     {"role": "Choose a role: student, instructor or admin.", "active": "Enter true or false for active.",
      "timezone": "Choose a time zone from the list, like Europe/Berlin.",
      "nickname": "Remove this field; it is not one this form or request takes."}),
    (BulkIn, {"items": []}, {"items": "Send at least 1 of the items."}),
    (BulkIn, {"items": [{"enrollmentId": "one", "moduleId": 2}]},
     {"items.0.enrollmentId": "Enter an enrollment ID as a whole number.",
      "items.0.completed": "Enter true or false for completed."}),
    (PageQuery, {"perPage": "many", "page": "0"},
     {"perPage": "Enter a page size as a whole number.", "page": "Page number must be 1 or more."}),
])
def test_each_error_type_reads_as_a_sentence_naming_the_field(schema, values, expected):
    assert messages(schema, values) == expected


def test_validators_with_sentences_of_their_own_keep_them():
    assert messages(RegisterIn, {"email": "n@example.com", "name": "Nora", "password": "password123"}) == {
        "password": "This is one of the most common passwords; choose another."}
    assert messages(CourseIn, {"title": "Bad\x00title"}) == {"title": "Title must not contain NUL characters."}


def test_the_api_answers_422_in_the_same_shape_with_sentences(api, make):
    response = api.post("/api/auth/register", json={"email": "nobody", "name": "", "password": "short"})
    assert response.status_code == 422
    assert response.get_json() == {"error": {"code": "invalid", "message": "Some fields are invalid.", "details": {
        "email": "Enter a valid email address, like name@example.com.", "name": "Enter a name.",
        "password": "Use at least 8 characters."}}}
    make.user("instructor", email="ada@example.com")
    token = api.token("ada@example.com")
    too_long = api.post("/api/courses", token, json={"title": "T" * 201})
    assert too_long.get_json()["error"]["details"] == {"title": "Enter a title of at most 200 characters."}
    query = api.get("/api/courses?perPage=abc", token).get_json()["error"]
    assert query["message"] == "Some query parameters are invalid."
    assert query["details"] == {"perPage": "Enter a page size as a whole number."}


def test_service_refusals_keep_their_own_words_in_the_api(api, make):
    make.user(email="sam@example.com")
    token = api.token("sam@example.com")
    wrong = api.post("/api/auth/password", token, json={"currentPassword": "not-it-at-all", "newPassword": "x" * 12})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"] == {"currentPassword": "This is not your current password."}


def _error_texts(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([^"]+)">([^<]*)</p>', html))


def test_sign_in_and_registration_forms_show_sentences_beside_the_fields(browser):
    login = browser.login("", "")
    assert login.status_code == 422
    assert _error_texts(login.get_data(as_text=True)) == {
        "email-error": "Enter an email address.", "password-error": "Enter a password."}
    register = browser.client.post("/register", data={"email": "nobody", "name": "", "password": "short",
                                                      "csrf_token": browser.csrf("/register")})
    assert register.status_code == 422
    assert _error_texts(register.get_data(as_text=True)) == {
        "email-error": "Enter a valid email address, like name@example.com.", "name-error": "Enter a name.",
        "password-error": "Use at least 8 characters."}


def test_account_and_ticket_forms_show_sentences_beside_the_fields(browser, make):
    make.user(email="sam@example.com")
    browser.login("sam@example.com")
    password = browser.post("/account/password", {"currentPassword": "", "newPassword": "short"})
    assert password.status_code == 422
    assert _error_texts(password.get_data(as_text=True)) == {
        "current-password-error": "Enter your current password.", "new-password-error": "Use at least 8 characters."}
    ticket = browser.post("/help/tickets", {"subject": "", "body": ""})
    assert ticket.status_code == 422
    assert _error_texts(ticket.get_data(as_text=True)) == {
        "subject-error": "Enter a subject.", "body-error": "Enter a message."}


def test_course_form_and_module_editor_show_sentences(browser, make):
    teacher = make.user("instructor", email="ada@example.com")
    course = make.course(teacher, modules=1)
    browser.login("ada@example.com")
    form = browser.post("/teach/courses/new", {"title": "T" * 201, "price": "0"})
    assert form.status_code == 422
    assert _error_texts(form.get_data(as_text=True))["title-error"] == "Enter a title of at most 200 characters."
    editor = browser.post(f"/teach/courses/{course.id}/modules", {"title": ""}, headers={"HX-Request": "true"})
    assert editor.status_code == 422 and "Enter a title." in editor.get_data(as_text=True)


def test_admin_user_form_shows_sentences(browser, make):
    make.user("admin", email="root@example.com")
    browser.login("root@example.com")
    response = browser.post("/admin/users", {"email": "nobody", "password": "short", "name": "", "role": "wizard",
                                             "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert _error_texts(response.get_data(as_text=True)) == {
        "new-name-error": "Enter a name.", "new-email-error": "Enter a valid email address, like name@example.com.",
        "new-password-error": "Use at least 8 characters.",
        "new-role-error": "Choose a role: student, instructor or admin.",
        "new-timezone-error": "Choose a time zone from the list, like Europe/Berlin."}


def test_no_page_or_answer_shows_pydantic_wording(api, browser, make):
    make.user("instructor", email="ada@example.com")
    token = api.token("ada@example.com")
    register = {"email": "", "name": "", "password": "", "csrf_token": browser.csrf("/register")}
    answers = [
        api.post("/api/courses", token, json={"title": "", "priceCents": "x", "extra": 1, "published": None}),
        api.post("/api/progress/bulk", token, json={"items": [1, {}]}),
        api.get("/api/courses?categoryId=abc&perPage=0", token),
        browser.client.post("/register", data=register),
    ]
    for answer in answers:
        assert answer.status_code == 422
        assert not PYDANTIC_WORDING.search(answer.get_data(as_text=True)), answer.get_data(as_text=True)
