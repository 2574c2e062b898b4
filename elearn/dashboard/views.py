"""``/``: each role's dashboard."""
from flask import Blueprint, render_template
from flask_login import current_user

from ..auth.access import login_required
from .context import student_dashboard

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required()
def home():
    if current_user.role == "student":
        return render_template("dashboard/student.html", **student_dashboard(current_user))
    return render_template("dashboard/home.html", user=current_user)
