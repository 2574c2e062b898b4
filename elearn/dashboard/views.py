"""``/``: each role's dashboard."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..auth.access import login_required
from .context import student_dashboard

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required()
def home():
    if current_user.role == "student":
        return render_template("dashboard/student.html", **student_dashboard(current_user))
    return redirect(url_for("admin.dashboard" if current_user.role == "admin" else "teach.my_courses"))
