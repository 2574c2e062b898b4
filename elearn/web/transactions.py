"""One commit per request: services flush, the request commits if it succeeded."""
from ..extensions import db


def commit_successful_requests(app):
    @app.after_request
    def _commit_or_roll_back(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
