"""What the student dashboard shows, gathered once for the page and for live pushes."""
from ..achievements.service import current_streak, list_achievements
from ..db_types import utcnow
from ..progress.activity import last_completion, next_modules, recent_activity
from ..progress.service import overall_progress


def student_dashboard(user) -> dict:
    now = utcnow()
    overall = overall_progress(user.id)
    last_active = max((c.last_activity_at for c in overall.courses if c.last_activity_at), default=None)
    return {
        "overall": overall,
        "next_positions": next_modules(user.id),
        "last_completion": last_completion(user.id),
        "last_active": last_active,
        "activity": recent_activity(user.id),
        "badges": list_achievements(user.id),
        "streak": current_streak(user.id, user.timezone, now),
        "now": now,
    }
