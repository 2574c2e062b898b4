"""elearn: progress tracking and learning analytics for an e-learning platform."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, each feature's pages, API and live views, the
    signals that keep counters across features, error handlers, CLI. Wiring only."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("ELEARN_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from .config import load_config

    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.from_mapping(config)
    app.config.setdefault("REQUIRE_EVENTS_FOR_WRITES", app.testing)
    # Fields in the order the schemas declare them, as pydantic encodes one object (json_api).
    app.json.sort_keys = False

    from .web.converters import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is registered

    from . import models  # noqa: F401  (every table registered before migrate/db use)
    from .cache import init_cache
    from .deferred_begin import init_deferred_begin
    from .extensions import compress, csrf, db, jwt, limiter, login_manager, migrate, sock
    from .i18n import init_i18n
    from .jobs.queue import init_jobs
    from .prepared import init_prepared
    from .read_replica import init_read_replica
    from .realtime.bus import init_bus
    from .realtime.hub import init_hub

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    jwt.init_app(app)
    csrf.init_app(app)
    from .storage import init_storage
    from .web.static_files import init_static_files
    from .web.uploads import init_uploads

    init_uploads(app)
    init_static_files(app)
    init_storage(app)
    compress.init_app(app)
    limiter.init_app(app)
    sock.init_app(app)
    init_i18n(app)
    init_cache(app)
    init_bus(app)  # after the cache: the Redis bus sends its bumps
    init_hub(app)
    init_jobs(app)
    init_read_replica(app)
    init_prepared(app)
    init_deferred_begin(app)
    # Events published while the bus was down are lost: retire every cached figure.
    app.extensions["elearn.bus"].on_reconnect(app.extensions["elearn.cache"].invalidate_all)

    from .auth.session import init_sessions, load_user
    from .auth.tokens import init_tokens

    init_sessions(login_manager)
    init_tokens(jwt)

    from .achievements import api as achievements_api
    from .achievements import service as achievements
    from .achievements import views as achievements_views
    from .admin import api as admin_api
    from .admin import views as admin_views
    from .analytics import api as analytics_api
    from .analytics import views as analytics_views
    from .audit import api as audit_api
    from .auth import api as auth_api
    from .auth import views as auth_views
    from .catalog import api as catalog_api
    from .catalog import signals as catalog_signals
    from .catalog import views as catalog_views
    from .dashboard import views as dashboard_views
    from .enrollments import api as enrollments_api
    from .enrollments import views as enrollments_views
    from .exports import api as exports_api
    from .imports import api as imports_api
    from .imports import views as imports_views
    from .messages import api as messages_api
    from .messages import views as messages_views
    from .notifications import api as notifications_api
    from .notifications import views as notifications_views
    from .privacy import api as privacy_api
    from .privacy import views as privacy_views
    from .progress import api as progress_api
    from .progress import counters as progress_counters
    from .progress import signals as progress_signals
    from .progress import views as progress_views
    from .realtime import sockets
    from .realtime.live import init_live
    from .storage import views as media_views
    from .tickets import api as tickets_api
    from .tickets import views as tickets_views
    from .web import health, language, openapi
    from .webhooks import api as webhooks_api
    from .webhooks import views as webhooks_views
    from .xapi import api as xapi_api
    from .xapi import views as xapi_views

    for pages in (health, language, sockets, auth_views, catalog_views, enrollments_views, progress_views, tickets_views,
                  analytics_views, dashboard_views, admin_views, messages_views, notifications_views,
                  webhooks_views, privacy_views, xapi_views, imports_views, media_views):
        app.register_blueprint(pages.bp)
    for feature in (audit_api, auth_api, catalog_api, enrollments_api, progress_api, achievements_api, tickets_api,
                    analytics_api, messages_api, notifications_api, admin_api,
                    webhooks_api, exports_api, privacy_api, xapi_api, imports_api):
        csrf.exempt(feature.api)  # bearer tokens only: no cookies, so nothing for CSRF to forge
        app.register_blueprint(feature.api)
    app.register_blueprint(openapi.bp)
    init_live(app, views={**dashboard_views.LIVE_VIEWS, **progress_views.LIVE_VIEWS, **analytics_views.LIVE_VIEWS},
              toasts={**achievements_views.TOASTS, **messages_views.TOASTS}, reload_user=load_user)

    # Counters that span features move in the writing transaction, without the writer
    # importing the features that keep them.
    catalog_signals.module_deleting.connect(progress_counters.forget_completions_of_module)
    catalog_signals.modules_changed.connect(progress_counters.refresh_completion)
    progress_signals.modules_completed.connect(achievements.award_for_completions)

    # Work after the commit, in the background: email, reminders, digests, at-risk counts.
    from .analytics import at_risk
    from .catalog import media as catalog_media
    from .imports import service as imports
    from .jobs.queue import on_event, schedule
    from .mail.outbox import deliver
    from .notifications import nudges
    from .webhooks import service as webhooks
    from .xapi import forwarding as xapi_forwarding

    on_event(app, "email.queued", deliver)
    on_event(app, "message.received", nudges.email_message_copies)
    on_event(app, "achievement.earned", nudges.note_achievement)
    schedule(app, nudges.remind_inactive, every=3600)
    schedule(app, nudges.remind_streaks, every=900)
    schedule(app, nudges.send_digests, every=3600)
    schedule(app, at_risk.count_every_course, every=at_risk.KEEP_EVERY)
    for event_type in webhooks.WEBHOOK_EVENTS:
        on_event(app, event_type, webhooks.fan_out, when=webhooks.may_be_listened_to)
    on_event(app, "webhook.queued", webhooks.deliver)
    schedule(app, xapi_forwarding.forward, every=app.config["XAPI_FORWARD_EVERY"])
    schedule(app, xapi_forwarding.purge_sent, every=3600)
    on_event(app, "xapi.backlog", xapi_forwarding.forward)
    schedule(app, imports.forget_old_uploads, every=3600)
    on_event(app, "files.released", catalog_media.forget_released_files)

    from .web.errors import register_error_handlers
    from .web.filters import register_filters
    from .web.security_headers import init_security_headers
    from .web.transactions import commit_successful_requests

    register_error_handlers(app)
    register_filters(app)
    commit_successful_requests(app)
    init_security_headers(app)

    from .cli import register_cli

    register_cli(app)
    return app
