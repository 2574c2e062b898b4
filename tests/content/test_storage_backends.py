"""The S3 backend against a real S3 API (moto's server, started here) and Cloudinary's
adapter against a local fake of its upload API (there is no network here)."""
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from elearn.storage.backends import CloudinaryStorage, S3Storage
from tests.content.test_uploads import PDF, png, send

MOTO = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "moto_server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(MOTO), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=5)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.terminate()
        raise RuntimeError(log.read_text()[-2000:])
    yield url
    server.terminate()
    server.wait(30)


@pytest.fixture
def s3(app, s3_endpoint, monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    bucket = f"elearn-{os.getpid()}-{time.monotonic_ns()}"
    backend = S3Storage(f"s3://{bucket}/media", endpoint_url=s3_endpoint, expires=600)
    backend.client.create_bucket(Bucket=bucket)
    monkeypatch.setitem(app.extensions, "elearn.storage", backend)
    return backend


@pytest.fixture
def authoring(make, api):
    teacher = make.user("instructor", email="teach@example.com")
    course = make.course(teacher, modules=1, title="Film")
    return {"course": course, "module": make.modules(course)[0], "token": api.token("teach@example.com")}


def _objects(backend) -> list[str]:
    listed = backend.client.list_objects_v2(Bucket=backend.bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_s3_stores_serves_through_presigned_addresses_and_forgets(api, authoring, s3, app):
    answer = send(api, authoring["token"], f"/api/modules/{authoring['module'].id}/contents", PDF, "reading.pdf")
    assert answer.status_code == 201, answer.get_json()
    content = answer.get_json()
    assert [key.startswith("media/") and key.endswith(".pdf") for key in _objects(s3)] == [True]
    assert "X-Amz-Signature=" in content["url"] and "X-Amz-Expires=600" in content["url"]
    with urllib.request.urlopen(content["url"], timeout=30) as fetched:
        assert fetched.read() == PDF and fetched.headers["Content-Type"] == "application/pdf"
    thumb = send(api, authoring["token"], f"/api/courses/{authoring['course'].id}/thumbnail", png(), "poster.png",
                 method="PUT")
    assert thumb.status_code == 200
    assert len(_objects(s3)) == 1 + 1 + 6  # the PDF, the image, and 3 widths × (WebP, JPEG)
    assert api.delete(f"/api/contents/{content['id']}", authoring["token"]).status_code == 204
    assert app.extensions["elearn.jobs"].wait_idle(60)
    assert not any(key.endswith(".pdf") for key in _objects(s3))


class FakeCloudinary:
    """Cloudinary's upload API as far as the adapter uses it: upload and destroy."""

    def __init__(self):
        self.uploads: dict[str, dict] = {}
        self.destroyed: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                _, cloud, resource_type, action = self.path.strip("/").split("/")[-4:]
                public_id = body.split(b'name="public_id"\r\n\r\n', 1)[1].split(b"\r\n", 1)[0].decode()
                signed = b'name="signature"' in body and b'name="api_key"' in body
                if action == "upload":
                    fake.uploads[public_id] = {"resource_type": resource_type, "bytes": len(body), "signed": signed}
                    answer = {"public_id": public_id, "resource_type": resource_type,
                              "secure_url": f"https://res.cloudinary.com/{cloud}/{resource_type}/upload/{public_id}"}
                else:
                    fake.destroyed.append(public_id)
                    answer = {"result": "ok"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def cloudinary_fake(app, monkeypatch):
    fake = FakeCloudinary()
    backend = CloudinaryStorage("cloudinary://key123:secret456@demo-cloud", upload_prefix=fake.url)
    monkeypatch.setitem(app.extensions, "elearn.storage", backend)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_cloudinary_uploads_signed_and_resizes_on_delivery(api, authoring, cloudinary_fake, app):
    thumb = send(api, authoring["token"], f"/api/courses/{authoring['course'].id}/thumbnail", png(), "poster.png",
                 method="PUT")
    assert thumb.status_code == 200, thumb.get_json()
    (public_id, upload), = cloudinary_fake.uploads.items()  # one upload: no copies resized here
    assert upload["resource_type"] == "image" and upload["signed"]
    address = thumb.get_json()["thumbnailUrl"]
    assert address == f"https://res.cloudinary.com/demo-cloud/image/upload/c_limit,w_640/{public_id}.jpg"
    video = send(api, authoring["token"], f"/api/modules/{authoring['module'].id}/contents",
                 b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 400, "scene.mp4")
    assert video.status_code == 201
    assert video.get_json()["url"].startswith("https://res.cloudinary.com/demo-cloud/video/upload/")
    assert api.delete(f"/api/contents/{video.get_json()['id']}", authoring["token"]).status_code == 204
    assert app.extensions["elearn.jobs"].wait_idle(60)
    assert cloudinary_fake.destroyed == [video.get_json()["url"].rsplit("/", 1)[1].rsplit(".", 1)[0]]
