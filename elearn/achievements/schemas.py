"""API schemas for achievements."""
from ..schemas import OutSchema, Timestamp


class EarnedBadgeOut(OutSchema):
    key: str
    title: str
    description: str
    icon: str
    course_id: int | None
    course_title: str | None
    earned_at: Timestamp


class AchievementsOut(OutSchema):
    items: list[EarnedBadgeOut]
    current_streak: int
