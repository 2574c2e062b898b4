"""Badges announced on whatever live page a learner has open (toasts)."""
from flask import render_template


def earned_toasts(events: list[dict]) -> str:
    """Newly earned badges (``achievement.earned`` events) as toasts; the badge list itself
    is one of the pushed regions of the pages that show it."""
    return render_template("achievements/_announce.html", earned=events)


TOASTS = {"achievement.earned": earned_toasts}
