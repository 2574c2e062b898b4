"""Uploads into the local storage: contents and thumbnails, served with ranges; refusals store nothing."""
import io
import struct
import time
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from elearn.catalog.models import Content, Course
from elearn.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + b" " * 200
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 400


def png(width=900, height=500, mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (30, 90, 200) if mode == "RGB" else 1).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes, crc: int | None = None) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) if crc is None else crc)


def broken_png(how: str) -> bytes:
    """A PNG whose pixels do not inflate (every checksum right), or one with a chunk after
    its pixels whose checksum is wrong."""
    signature, header = b"\x89PNG\r\n\x1a\n", struct.pack(">IIBBBBB", 300, 200, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x1e\x5a\xc8" * 300 for _ in range(200)))
    if how == "pixels":
        pixels = pixels[:2] + bytes(b ^ 0x5A for b in pixels[2:40]) + pixels[40:]
    after = _chunk(b"tEXt", b"Comment\x00hello", crc=0 if how == "checksum" else None)
    return signature + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + after + _chunk(b"IEND", b"")


def send(api, token, path, data: bytes, filename: str, method="POST", **fields):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename), **fields})
    return api.call(method, path, token, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def stored_files(app) -> int:
    from pathlib import Path
    return sum(1 for p in Path(app.instance_path, "uploads").rglob("*") if p.is_file())


@pytest.fixture
def authoring(make, api):
    teacher = make.user("instructor", email="teach@example.com")
    course = make.course(teacher, modules=1, title="Film")
    return {"course": course, "module": make.modules(course)[0], "token": api.token("teach@example.com")}


def _get(client, path, **kwargs):
    with client.get(path, buffered=True, **kwargs) as answer:
        return answer


def test_a_thumbnail_is_stored_with_resized_copies(api, authoring, client, app, browser):
    image = png()
    answer = send(api, authoring["token"], f"/api/courses/{authoring['course'].id}/thumbnail", image, "poster.png",
                  method="PUT")
    assert answer.status_code == 200, answer.get_json()
    address = answer.get_json()["thumbnailUrl"]
    assert address.startswith("/media/") and address.endswith("-640.jpg")
    served = _get(client, address)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(served.get_data())).size == (640, 356)
    course = db.session.get(Course, authoring["course"].id)
    db.session.refresh(course)
    assert course.thumbnail_srcset("webp").count("w, ") == 2 and "-1280.webp 1280w" in course.thumbnail_srcset("webp")
    browser.login("teach@example.com")
    html = browser.client.get("/courses").get_data(as_text=True)
    assert 'type="image/webp"' in html and "-320.webp 320w" in html


def test_a_pdf_content_is_served_in_ranges(api, authoring, client):
    answer = send(api, authoring["token"], f"/api/modules/{authoring['module'].id}/contents", PDF, "Reading_list.pdf")
    assert answer.status_code == 201, answer.get_json()
    content = answer.get_json()
    assert (content["type"], content["title"], content["mediaType"], content["sizeBytes"]) == (
        "pdf", "Reading list", "application/pdf", len(PDF))
    part = _get(client, content["url"], headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.get_data() == PDF[:8]
    assert _get(client, content["url"], headers={"If-None-Match": part.headers["ETag"]}).status_code == 304


def _deadline(address: str) -> int:
    return int(parse_qs(urlsplit(address).query)["expires"][0])


def test_a_contents_file_needs_the_address_its_page_gave_until_it_expires(api, authoring, client, app):
    """As S3's presigned addresses do: a link copied out of a course stops working."""
    from elearn.storage.backends import _signature

    module_url = f"/api/modules/{authoring['module'].id}/contents"
    before = time.time()
    address = send(api, authoring["token"], module_url, PDF, "notes.pdf").get_json()["url"]
    key = urlsplit(address).path.removeprefix("/media/")
    signed = _get(client, address)
    assert signed.status_code == 200 and signed.get_data() == PDF
    assert signed.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert 1800 < _deadline(address) - before and _deadline(address) - time.time() <= 3600  # STORAGE_URL_EXPIRES
    forged = address[:-1] + ("0" if address[-1] != "0" else "1")
    for refused in (f"/media/{key}", forged, f"/media/{key}?expires=99999999999&signature=%C3%A9",
                    f"/media/{'0' * 40}.pdf"):  # (not stored: the same answer, telling nothing)
        answer = _get(client, refused)
        assert answer.status_code == 403 and "expired" in answer.get_data(as_text=True), refused
    past = int(before) - 1
    with app.test_request_context():
        expired = f"/media/{key}?expires={past}&signature={_signature(key, past)}"
    assert _get(client, expired).status_code == 403
    renewed = api.get(f"/api/courses/{authoring['course'].id}", authoring["token"]).get_json()
    assert _get(client, renewed["modules"][0]["contents"][0]["url"]).status_code == 200, "a new read, a new address"
    video = send(api, authoring["token"], module_url, MP4, "lecture.mp4").get_json()["url"]
    assert _deadline(video) - time.time() > 3 * 3600, "a lecture plays on for hours on the address it was given"


def test_a_video_upload_takes_its_type_from_its_bytes(api, authoring):
    answer = send(api, authoring["token"], f"/api/modules/{authoring['module'].id}/contents", MP4, "scene.bin",
                  title="Opening scene")
    assert answer.status_code == 201 and answer.get_json()["type"] == "video"
    assert answer.get_json()["title"] == "Opening scene"


def test_pages_play_and_link_uploaded_files_from_the_storage(api, authoring, make, browser):
    """The learner's page and the module editor point at the stored files, not at nothing."""
    module_url = f"/api/modules/{authoring['module'].id}/contents"
    video = send(api, authoring["token"], module_url, MP4, "Opening_scene.mp4").get_json()
    pdf = send(api, authoring["token"], module_url, PDF, "Reading_list.pdf").get_json()
    assert video["url"].startswith("/media/") and pdf["url"].startswith("/media/")
    make.enroll(make.user(email="learner@example.com"), authoring["course"])
    browser.login("learner@example.com")
    page = browser.client.get(f"/courses/{authoring['course'].id}").get_data(as_text=True)
    assert f'<video id="media-{video["id"]}" hx-preserve controls preload="metadata" src="{escape(video["url"])}"' in page
    assert f'<a href="{escape(pdf["url"])}" target="_blank"' in page
    browser.post("/logout")
    browser.login("teach@example.com")
    editor = browser.client.get(f"/teach/courses/{authoring['course'].id}/edit").get_data(as_text=True)
    assert f'<a href="{escape(video["url"])}" rel="noopener noreferrer" target="_blank">Opening scene</a>' in editor


@pytest.mark.parametrize("data, filename, fields, status, words", [
    (b"<script>alert(1)</script>" * 10, "photo.png", {}, 422, "not one elearn takes"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg", {}, 422, "SVG"),
    (PDF, "../../etc/passwd.pdf", {}, 422, "path"),
    (PDF, "notes.pdf", {"type": "video"}, 422, "not one elearn takes"),
    (PDF, "notes.pdf", {"title": "x" * 201}, 422, "title"),
])
def test_refused_uploads_store_nothing(api, authoring, app, data, filename, fields, status, words):
    before = (stored_files(app), db.session.scalar(select(func.count()).select_from(Content)))
    answer = send(api, authoring["token"], f"/api/modules/{authoring['module'].id}/contents", data, filename,
                  **fields)
    assert answer.status_code == status, answer.get_json()
    assert words in str(answer.get_json()["error"])
    assert (stored_files(app), db.session.scalar(select(func.count()).select_from(Content))) == before


@pytest.mark.parametrize("make_image, words", [
    (lambda: broken_png("pixels"), "cannot be read"),
    (lambda: broken_png("checksum"), "cannot be read"),
    (lambda: png(8000, 7000, "1"), "up to 50 megapixels; this one has 56"),
    (lambda: png(14000, 14000, "1"), "up to 50 megapixels."),  # (past Pillow's own limit: refused as it opens)
], ids=["pixels-broken", "checksum-wrong", "56-megapixels", "196-megapixels"])
def test_images_that_are_broken_or_too_many_pixels_store_nothing(api, authoring, app, make_image, words):
    """Each used to answer 500: the broken ones after the original was stored (the copies
    failed), the large one after decoding gigabytes."""
    data = make_image()
    before = (stored_files(app), db.session.scalar(select(Course.thumbnail_key).where(
        Course.id == authoring["course"].id)))
    for path, method in ((f"/api/courses/{authoring['course'].id}/thumbnail", "PUT"),
                         (f"/api/modules/{authoring['module'].id}/contents", "POST")):
        answer = send(api, authoring["token"], path, data, "photo.png", method=method)
        assert answer.status_code == 422, answer.get_data(as_text=True)
        assert words in answer.get_json()["error"]["message"]
    assert (stored_files(app), db.session.scalar(select(Course.thumbnail_key).where(
        Course.id == authoring["course"].id))) == before
    assert db.session.scalar(select(func.count()).select_from(Content)) == 0


def test_too_large_for_its_kind_is_413(api, authoring, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_LIMITS", {"video": 1, "audio": 1, "pdf": 1, "image": 1})
    before = stored_files(app)
    answer = send(api, authoring["token"], f"/api/modules/{authoring['module'].id}/contents",
                  PDF + b" " * (1024 * 1024), "big.pdf")
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "too_large"
    beyond = send(api, authoring["token"], f"/api/modules/{authoring['module'].id}/contents",
                  PDF + b" " * (3 * 1024 * 1024), "huge.pdf")
    assert beyond.status_code == 413  # past every kind's limit: refused before it is read
    assert stored_files(app) == before


def test_deleting_releases_files_nothing_else_uses(api, authoring, app):
    path = f"/api/modules/{authoring['module'].id}/contents"
    first = send(api, authoring["token"], path, PDF, "a.pdf").get_json()
    second = send(api, authoring["token"], path, PDF, "b.pdf").get_json()  # the same bytes: one file
    files = stored_files(app)
    assert api.delete(f"/api/contents/{first['id']}", authoring["token"]).status_code == 204
    assert app.extensions["elearn.jobs"].wait_idle(60)
    assert stored_files(app) == files  # the other content still holds it
    assert api.delete(f"/api/contents/{second['id']}", authoring["token"]).status_code == 204
    assert app.extensions["elearn.jobs"].wait_idle(60)
    assert stored_files(app) == files - 1


def test_only_its_instructor_uploads(api, authoring, make):
    make.user("instructor", email="other@example.com")
    other = api.token("other@example.com")
    assert send(api, other, f"/api/modules/{authoring['module'].id}/contents", PDF, "a.pdf").status_code == 403
    assert send(api, other, f"/api/courses/{authoring['course'].id}/thumbnail", png(), "a.png",
                method="PUT").status_code == 403


def test_access_is_checked_before_the_file_is_read(api, authoring, make):
    make.user("instructor", email="other@example.com")
    other = api.token("other@example.com")
    empty = api.call("PUT", f"/api/courses/{authoring['course'].id}/thumbnail", other,
                     data=b"--x--\r\n", content_type="multipart/form-data; boundary=x")
    assert empty.status_code == 403
    mine = api.call("PUT", f"/api/courses/{authoring['course'].id}/thumbnail", authoring["token"],
                    data=b"--x--\r\n", content_type="multipart/form-data; boundary=x")
    assert mine.status_code == 422 and "file" in mine.get_json()["error"]["details"]
