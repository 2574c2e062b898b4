"""``/``: where a signed-in user lands."""
from flask import Blueprint, render_template
from flask_login import current_user

from ..auth.access import login_required

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required()
def home():
    return render_template("dashboard/home.html", user=current_user)
