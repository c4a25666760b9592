"""Database tables, one module per concept.

Import every model module here so ``Base.metadata`` knows all tables (Alembic
compares against it; a test checks that the migrations match it).
"""
from server.database import Base
from server.models.accounts import ApiToken, User
from server.models.audit import AuditEvent
from server.models.feedback import Feedback, FeedbackReply
from server.models.jobs import Job
from server.models.login_failures import LoginFailure
from server.models.memberships import Membership, Role
from server.models.change_requests import ChangeRequest, CheckRun, Comment, Override, Review, Suggestion
from server.models.notifications import Notification

__all__ = ["ApiToken", "AuditEvent", "Base", "Feedback", "FeedbackReply", "Job", "Membership", "Role", "User"]
__all__ += ["LoginFailure"]
__all__ += ["ChangeRequest", "CheckRun", "Comment", "Override", "Review", "Suggestion", "Notification"]
