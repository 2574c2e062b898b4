"""Course media end to end in Chromium: an instructor builds a module from uploads and a
lesson in the authoring page; a learner's playing of the video completes it by itself.

The video is the demo's own clip (eight seconds, H.264), uploaded through the page like any
file; the learner's player is driven through its element, as a person's clicks would.
"""
import base64
import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import LIVE_DEADLINE_MS, screenshot, sign_in

pytestmark = pytest.mark.browser

MEDIA = Path(__file__).resolve().parents[2] / "elearn" / "synthetic" / "media"
LESSON = """# Cutting on action

Cut **while** the subject moves: the eye follows the motion across the cut.

- Match the direction
- Keep the speed

<script>document.title = "owned"</script>
"""


def _thumbnail_png() -> bytes:
    image = Image.new("RGB", (1200, 675), (190, 60, 40))
    for x in range(0, 1200, 150):
        image.paste((240, 200, 60), (x, 300, x + 75, 375))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _drop_file(page, zone_selector: str, name: str, mime: str, data: bytes) -> None:
    """Drop a file on a drop zone, as dragging it from the desktop does."""
    transfer = page.evaluate_handle(
        """([name, mime, b64]) => {
             const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
             const transfer = new DataTransfer();
             transfer.items.add(new File([bytes], name, {type: mime}));
             return transfer;
           }""", [name, mime, base64.b64encode(data).decode()])
    page.dispatch_event(zone_selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(zone_selector, "drop", {"dataTransfer": transfer})


def _build_course(page, base: str) -> tuple[int, int]:
    """The instructor's part, all in the authoring page; the course and its first module's ids."""
    sign_in(page, base, "ada@example.com", expect_path=None)
    page.goto(f"{base}/teach/courses/new")
    title = f"Film Editing {uuid.uuid4().hex[:6]}"
    page.fill("#title", title)
    page.fill("#description", "Cuts, rhythm and colour, from the first assembly to the final grade.")
    page.check("input[name=published]")
    page.get_by_role("button", name="Create course").click()
    page.wait_for_url(re.compile(r"/teach/courses/\d+/edit"))
    course_id = int(re.search(r"/teach/courses/(\d+)/edit", page.url).group(1))

    # The thumbnail, dropped on its drop zone; the page comes back with its resized copies.
    _drop_file(page, ".thumb-editor .drop-zone", "poster.png", "image/png", _thumbnail_png())
    page.get_by_role("button", name="Upload the thumbnail").click()
    expect(page.locator(".alert-success")).to_have_text("Saved.")
    thumb = page.locator(".thumb-editor img")
    expect(thumb).to_have_attribute("src", re.compile(r"/media/[0-9a-f]{40}-640\.jpg$"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert "320w" in page.locator(".thumb-editor source[type='image/webp']").get_attribute("srcset")

    modules = page.locator("#modules li[id^=manage-module-]")
    for count, module_title in enumerate(("Cutting on action", "Colour"), start=1):
        page.fill("#new-module-title", module_title)
        page.get_by_role("button", name="Add module").click()
        expect(modules).to_have_count(count)
    first = modules.first
    module_id = int(first.get_attribute("id").removeprefix("manage-module-"))

    # A video and a PDF through the file picker; each upload's progress bar fills.
    page.evaluate("""() => {
        window.uploadProgress = [];
        new MutationObserver(changes => changes.forEach(change => window.uploadProgress.push(change.target.value)))
          .observe(document.body, {attributes: true, attributeFilter: ["value"], subtree: true});
    }""")
    for name in ("lesson.mp4", "study-guide.pdf"):
        page.locator(f"#manage-module-{module_id} summary").click()
        page.set_input_files(f"#cf-{module_id}", str(MEDIA / name))
        page.locator(f"#manage-module-{module_id}").get_by_role("button", name="Add content").click()
        expect(page.locator(f"#manage-module-{module_id} .contents li")).to_have_count(
            1 if name.endswith("mp4") else 2)
    assert page.evaluate("Math.max(...window.uploadProgress)") == 100
    # A refusal made before the form is read (here a form whose CSRF token expired) is a
    # toast: the module editor stays (it was replaced by the bare message).
    page.locator(f"#manage-module-{module_id} summary").click()
    page.set_input_files(f"#cf-{module_id}", str(MEDIA / "study-guide.pdf"))
    page.locator(f"#manage-module-{module_id} form[data-upload] input[name=csrf_token]").evaluate(
        "input => input.value = 'expired'")
    page.locator(f"#manage-module-{module_id}").get_by_role("button", name="Add content").click()
    expect(page.locator("#toasts .toast")).to_contain_text("This form expired or did not come from elearn.")
    expect(page.locator(f"#manage-module-{module_id} .contents li")).to_have_count(2)
    page.reload()
    contents = page.locator(f"#manage-module-{module_id} .contents")
    expect(contents).to_contain_text("lesson")
    expect(contents).to_contain_text("study-guide")

    # A Markdown lesson, previewed (sanitised) before it is added.
    page.locator(f"#manage-module-{module_id} summary").click()
    page.fill(f"#ct-{module_id}", "Why cut on action")
    page.select_option(f"#cy-{module_id}", "text")
    page.fill(f"#cb-{module_id}", LESSON)
    page.get_by_role("button", name="Preview the lesson").click()
    preview = page.locator(f"#lesson-preview-{module_id}")
    expect(preview.locator("h3")).to_have_text("Cutting on action")
    expect(preview.locator("li")).to_have_count(2)
    assert "<script" not in preview.inner_html()
    screenshot(page, "authoring-media-desktop")
    page.locator(f"#manage-module-{module_id}").get_by_role("button", name="Add content").click()
    expect(page.locator(f"#manage-module-{module_id} .contents li")).to_have_count(3)

    # The module completes when 90% of its video has been played.
    page.locator(f"#manage-module-{module_id} summary").click()
    page.select_option(f"#cr-{module_id}", "watch")
    page.fill(f"#cw-{module_id}", "90")
    page.locator(f"#manage-module-{module_id}").get_by_role("button", name="Save the rule").click()
    expect(page.locator(f"#cr-{module_id}")).to_have_value("watch")
    return course_id, module_id


def _play(video, start: float, *, rate: float = 1.0) -> None:
    """Play the video from ``start`` to its end, at ``rate``, and wait for it to end."""
    video.evaluate(
        """(v, [start, rate, deadline]) => new Promise((done, fail) => {
             const go = () => {
               v.muted = true; v.playbackRate = rate; v.currentTime = start;
               v.addEventListener("ended", () => done(), {once: true});
               v.play().catch(fail);
             };
             setTimeout(() => fail(new Error(`not ended: at ${v.currentTime} of ${v.duration}, ` +
               `paused ${v.paused}, ready ${v.readyState}, network ${v.networkState}, error ${v.error && v.error.code}`)),
               deadline);
             if (v.readyState >= 1) go(); else v.addEventListener("loadedmetadata", go, {once: true});
           })""", [start, rate, LIVE_DEADLINE_MS])


def test_a_module_built_from_uploads_completes_when_its_video_is_watched(live_server, new_page):
    author = new_page("desktop")
    course_id, module_id = _build_course(author, live_server)

    learner = new_page("desktop")
    learner.add_init_script("window.ELEARN_PLAYED_MS = 300")
    sign_in(learner, live_server, "student42@example.com")
    learner.goto(f"{live_server}/courses/{course_id}")
    learner.get_by_role("button", name="Enroll").click()
    expect(learner.locator("#live-status")).to_have_attribute("data-state", "live")
    dashboard = learner.context.new_page()
    dashboard.goto(f"{live_server}/")
    expect(dashboard.locator("#live-status")).to_have_attribute("data-state", "live")
    card = dashboard.locator(f"#course-card-{course_id}")
    expect(card.get_by_test_id("course-percent")).to_have_text("0%")
    expect(card.locator("img")).to_have_attribute("srcset", re.compile(r"/media/[0-9a-f]{40}-320\.jpg 320w"))

    module = learner.locator(f"#module-{module_id}")
    expect(module.get_by_test_id("module-rule")).to_contain_text("Completes when you have watched 90% of each video")
    module.locator(".module-body > summary").click()
    expect(module.locator(".lesson-box summary")).to_contain_text("Why cut on action")
    assert learner.title() != "owned"
    video = module.locator("video")
    played = module.locator("[data-played]")

    # Seeking to the last second and playing only that much is not watching it.
    _play(video, 7.0)
    expect(played).to_have_text(re.compile(r"^1[0-9]% watched$"))
    assert module.get_attribute("data-status") != "completed"
    assert card.get_by_test_id("course-percent").inner_text() == "0%"
    module.locator(".lesson-box summary").click()
    screenshot(learner, "course-media-playing-desktop")

    # Watching it from the start (four times as fast) completes the module by itself,
    # live on both of the learner's pages.
    _play(video, 0.0, rate=4.0)
    expect(module).to_have_attribute("data-status", "completed")
    expect(module.get_by_test_id("completed-by-rule")).to_have_text("by itself")
    expect(card.get_by_test_id("course-percent")).to_have_text("50%")
    screenshot(learner, "course-media-completed-desktop")
    screenshot(dashboard, "student-dashboard-thumbnail-desktop")

    # The PDF and the video are served by elearn, the video in ranges for seeking.
    source = video.get_attribute("src")
    ranged = learner.request.get(f"{live_server}{source}", headers={"Range": "bytes=0-99"})
    assert ranged.status == 206 and len(ranged.body()) == 100
    pdf = module.locator("a[data-view-link]", has_text="study-guide")
    assert learner.request.get(f"{live_server}{pdf.get_attribute('href')}").headers["content-type"] == \
        "application/pdf"
