"""Badges announced on whatever live page a learner has open (toasts)."""
from flask import render_template

from .service import describe


def earned_toasts(events: list[dict]) -> str:
    """Newly earned badges (``achievement.earned`` events) as toasts; the badge list itself
    is one of the pushed regions of the pages that show it. Titles are worded for the page
    that shows them, not in the language of the request that earned the badge."""
    earned = [{"key": event["key"], "title": describe(event["key"], event.get("courseTitle")).title}
              for event in events]
    return render_template("achievements/_announce.html", earned=earned)


TOASTS = {"achievement.earned": earned_toasts}
