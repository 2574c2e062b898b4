"""The course dashboard's figures and charts, gathered once for the page and live pushes."""
from . import service


def dashboard_context(actor, course_id: int) -> dict:
    analytics = service.course_analytics(actor, course_id)
    return {"analytics": analytics,
            "modules_by_id": {m.module_id: m for m in analytics.modules},
            "max_drop": max((d.learners for d in analytics.drop_off), default=0)}
