"""JSON achievements endpoint: the caller's badges and streak."""
from flask_jwt_extended import current_user

from ..db_types import utcnow
from ..web.json_api import JsonApi
from . import service
from .schemas import AchievementsOut

api = JsonApi("achievements", __name__)


@api.operation("/achievements", response=AchievementsOut)
def my_achievements():
    """The caller's badges in the order earned, and their current streak in days."""
    return service.achievement_summary(current_user.id, current_user.timezone, utcnow())
