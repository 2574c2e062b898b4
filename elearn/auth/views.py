"""Browser sign-in: /login, /logout, /register."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..errors import Conflict, Forbidden, Unauthorized
from ..web.access import safe_next
from ..web.inputs import parse_form
from . import service
from .rate_limits import registration_limit, sign_in_limit
from .schemas import LoginIn, RegisterIn

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limit
def login():
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("dashboard.home"))
    if request.method == "GET":
        return render_template("auth/login.html", next=next_url, errors={}, email="")
    data, errors = parse_form(LoginIn)
    if data is not None:
        try:
            user = service.authenticate(data.email, data.password)
        except (Unauthorized, Forbidden) as error:
            errors = {"form": error.message}
            status = error.status
        else:
            login_user(user, remember=request.form.get("remember") == "on")
            return redirect(next_url or url_for("dashboard.home"))
    else:
        status = 422
    return render_template(
        "auth/login.html", next=next_url, errors=errors, email=request.form.get("email", "")
    ), status


@bp.route("/register", methods=["GET", "POST"])
@registration_limit
def register():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    if request.method == "GET":
        return render_template("auth/register.html", errors={}, values={})
    data, errors = parse_form(RegisterIn)
    if data is not None:
        try:
            user = service.create_user(data.email, data.password, data.name, role="student")
        except Conflict as error:
            errors = {"email": error.message}
        else:
            login_user(user)
            return redirect(url_for("dashboard.home"))
    values = {k: request.form.get(k, "") for k in ("email", "name")}
    return render_template("auth/register.html", errors=errors, values=values), 422


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
