"""Uploaded import files waiting for their importer to confirm the preview."""
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class ImportUpload(db.Model):
    """A CSV file between its preview and its confirmation (or its expiry, after a day).

    The preview page plans it again each time it is shown, and confirming plans and applies
    it in one transaction, so what is applied is what the database holds then. Kept in the
    database, not on a disk: any web process may show the preview or take the confirmation.
    """

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    create_accounts: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
