"""Every feature's tables, imported in one place for Flask-Migrate and the CLI."""
from .achievements.models import Achievement
from .audit.models import AuditEntry
from .auth.models import SignIn, User
from .catalog.models import Category, Content, Course, Difficulty, Module
from .enrollments.models import Enrollment
from .imports.models import ImportUpload
from .jobs.models import FailedJob
from .mail.models import OutboxEmail
from .messages.models import InboxEntry, Message
from .notifications.models import NotificationPreferences
from .privacy.models import DeletionRequest
from .progress.models import ContentView, ModuleStats, Progress, ProgressEvent, XapiOutbox
from .tickets.models import SupportTicket, TicketReply
from .webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "User", "SignIn", "AuditEntry", "Category", "Difficulty", "Course", "Module", "Content",
    "Enrollment", "Progress", "ProgressEvent", "SupportTicket", "TicketReply", "Achievement", "Message",
    "InboxEntry", "FailedJob", "OutboxEmail", "NotificationPreferences", "DeletionRequest",
    "WebhookEndpoint", "WebhookDelivery", "ModuleStats", "XapiOutbox", "ImportUpload", "ContentView",
]
