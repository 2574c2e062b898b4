"""elearn: progress tracking and learning analytics for an e-learning platform."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, CLI. Wiring only."""
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

    from . import models  # noqa: F401  (every table registered before migrate/db use)
    from .extensions import compress, csrf, db, jwt, limiter, login_manager, migrate, sock
    from .realtime.bus import init_bus
    from .realtime.hub import init_hub
    from .cache import init_cache
    from .read_replica import init_read_replica

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    jwt.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    sock.init_app(app)
    init_bus(app)
    init_hub(app)
    init_cache(app)
    init_read_replica(app)

    from .auth import session as _session  # noqa: F401  (Flask-Login loaders)
    from .auth import tokens as _tokens  # noqa: F401  (JWT loaders)
    from .auth import api as _auth_api  # noqa: F401  (routes on the /api blueprint)
    from .catalog import api as _catalog_api  # noqa: F401
    from .enrollments import api as _enrollments_api  # noqa: F401
    from .progress import api as _progress_api  # noqa: F401
    from .achievements import api as _achievements_api  # noqa: F401
    from .analytics import api as _analytics_api  # noqa: F401
    from .tickets import api as _tickets_api  # noqa: F401
    from .web import openapi as _openapi  # noqa: F401
    from .auth.views import bp as auth_bp
    from .dashboard.views import bp as dashboard_bp
    from .realtime.views import bp as realtime_bp
    from .catalog.views import bp as catalog_bp
    from .progress.views import bp as progress_bp
    from .analytics.views import bp as teach_bp
    from .authoring.views import bp as authoring_bp
    from .admin.views import bp as admin_bp
    from .tickets.views import bp as tickets_bp
    from .analytics import live as _analytics_live  # noqa: F401
    from .dashboard import live as _dashboard_live  # noqa: F401  (live views)
    from .progress import live as _progress_live  # noqa: F401
    from .web.api import bp as api_bp
    from .web.health import bp as health_bp

    csrf.exempt(api_bp)  # bearer tokens only: no cookies, so nothing for CSRF to forge
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(realtime_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(teach_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(tickets_bp)

    from .errors import register_error_handlers
    from .web.filters import register_filters
    from .web.transactions import commit_successful_requests

    register_error_handlers(app)
    register_filters(app)
    commit_successful_requests(app)

    from .cli import register_cli

    register_cli(app)
    return app
