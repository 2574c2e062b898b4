"""The import pages: upload, a preview a person reads, confirm or discard; uploads stay their owner's."""
import io
import re

from sqlalchemy import func, select

from elearn.enrollments.models import Enrollment
from elearn.extensions import db
from elearn.imports.models import ImportUpload


def _upload(browser, text: str, create_accounts=False):
    data = {"file": (io.BytesIO(text.encode()), "term.csv"), "csrf_token": browser.csrf("/imports")}
    if create_accounts:
        data["create_accounts"] = "on"
    return browser.client.post("/imports", data=data, content_type="multipart/form-data")


def test_upload_preview_then_import(make, browser):
    teacher = make.user("instructor", email="teach@example.com")
    make.course(teacher, modules=2, title="Algebra")
    make.user(email="kim@example.com")
    browser.login("teach@example.com")
    response = _upload(browser, "email,course\nkim@example.com,Algebra\nnobody@example.com,Algebra\n")
    assert response.status_code == 303
    preview_path = response.headers["Location"]
    html = browser.client.get(preview_path).get_data(as_text=True)
    assert "2 rows" in html and 'data-testid="created">1<' in html and 'data-testid="errors">1<' in html
    assert "No learner&#39;s account has this email." in html and "Import 1 row" in html
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0
    upload_id = int(re.search(r"/imports/(\d+)", preview_path).group(1))
    done = browser.post(f"/imports/{upload_id}/apply")
    assert done.status_code == 303 and "done=applied" in done.headers["Location"]
    assert "1 created" in browser.client.get(done.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 1
    assert db.session.get(ImportUpload, upload_id) is None
    assert browser.client.get(preview_path).status_code == 404


def test_a_file_that_cannot_be_read_is_explained_on_the_page(make, browser):
    make.user("instructor", email="teach@example.com")
    browser.login("teach@example.com")
    response = _upload(browser, "name,when\nx,y\n")
    assert response.status_code == 422
    assert "missing: email, course" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0


def test_someone_elses_upload_is_not_found_and_stays(make, browser, app):
    teacher = make.user("instructor", email="teach@example.com")
    make.course(teacher, modules=1, title="Algebra")
    make.user("instructor", email="other@example.com")
    browser.login("teach@example.com")
    preview_path = _upload(browser, "email,course\nkim@example.com,Algebra\n").headers["Location"]
    upload_id = int(preview_path.rsplit("/", 1)[1])
    from tests.conftest import Browser
    other = Browser(app.test_client())
    other.login("other@example.com")
    assert other.client.get(preview_path).status_code == 404
    assert other.post(f"/imports/{upload_id}/discard").status_code == 404
    assert db.session.get(ImportUpload, upload_id) is not None
    assert browser.post(f"/imports/{upload_id}/discard").status_code == 303
    assert db.session.get(ImportUpload, upload_id) is None
