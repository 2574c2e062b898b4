"""Browser sign-in: /login, /logout, /register, and /account (password, time zone, sign out
everywhere).

Each sign-in is a row the session names (``sign_ins.py``): signing out ends it, so a copy
of the session or remember-me cookie stops working too.
"""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..errors import Conflict, Forbidden, Invalid, Unauthorized
from ..web.access import login_required, safe_next
from ..web.inputs import parse_form
from . import invitations, service, sign_ins
from .rate_limits import password_change_limit, registration_limit, sign_in_limit
from .schemas import AccountUpdateIn, LoginIn, PasswordChangeIn, RegisterIn, WelcomeIn
from .time_zones import time_zone_groups

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
            sign_ins.start(user, "browser")
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
            sign_ins.start(user, "browser")
            login_user(user)
            return redirect(url_for("dashboard.home"))
    values = {k: request.form.get(k, "") for k in ("email", "name")}
    return render_template("auth/register.html", errors=errors, values=values), 422


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@sign_in_limit
def welcome(token: str):
    """An invitation's link: the invited person chooses a password, and is signed in. Someone
    signed in already goes to their dashboard (sign out first to accept it)."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    user = invitations.invited_user(token)
    if request.method == "GET":
        return render_template("auth/welcome.html", user=user, token=token, errors={})
    data, errors = parse_form(WelcomeIn)
    if data is not None:
        try:
            invitations.accept(user, data.password)
        except Invalid as error:
            errors = error.details
        else:
            sign_ins.start(user, "browser")
            login_user(user)
            return redirect(url_for("dashboard.home"))
    return render_template("auth/welcome.html", user=user, token=token, errors=errors), 422


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sign_ins.revoke(current_user.id, current_user.sign_in_id, "signed_out")
    logout_user()
    return redirect(url_for("auth.login"))


def _account_page(errors=None, status=200):
    return render_template("auth/account.html", errors=errors or {}, zones=time_zone_groups(),
                           changed=request.args.get("changed") == "1",
                           timezone_saved=request.args.get("timezone") == "saved"), status


@bp.get("/account")
@login_required()
def account():
    return _account_page()


@bp.post("/account/password")
@login_required()
@password_change_limit
def change_password():
    data, errors = parse_form(PasswordChangeIn)
    if data is not None:
        try:
            service.change_password(current_user, data.current_password, data.new_password)
        except Invalid as error:
            errors = {"current_password" if "currentPassword" in error.details else "new_password":
                      next(iter(error.details.values()), error.message)}
        else:
            return redirect(url_for("auth.account", changed=1), 303)
    return _account_page(errors, 422)


@bp.post("/account/timezone")
@login_required()
def change_timezone():
    data, errors = parse_form(AccountUpdateIn)
    if errors:
        return _account_page(errors, 422)
    service.update_account(current_user, **data.model_dump(exclude_unset=True))
    return redirect(url_for("auth.account", timezone="saved"), 303)


@bp.post("/account/sign-out-everywhere")
@login_required()
def sign_out_everywhere():
    service.sign_out_everywhere(current_user)
    logout_user()
    return redirect(url_for("auth.login"), 303)
