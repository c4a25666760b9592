"""Notifications over JSON: what the bell shows, and marking it read."""


from __future__ import annotations
from typing import Annotated, Any
from pydantic import BaseModel, Field
from flask_login import current_user
from server.notifications import service as notes
from server.rest.registry import endpoint
from server.rest.schemas import Body, Query, RowId
from server.permissions import signed_in


class NotificationFilter(Query):
    unread: bool = False


class Notification(BaseModel):
    id: int
    kind: str
    url: str
    text: str
    text_code: str | None = None
    params: dict[str, Any] | None = None
    created_at: str
    read: bool


class NotificationList(BaseModel):
    notifications: list[Notification]
    unread: int


class MarkRead(Body):
    ids: Annotated[list[RowId], Field(max_length=1000)] | None = Field(None, description="none: all")


class Marked(BaseModel):
    marked: int
    unread: int


@endpoint("GET", "/notifications", summary="My notifications, newest first, and how many are unread",
          query=NotificationFilter, response=NotificationList, tags=["notifications"])
@signed_in
def list_notifications(unread: bool) -> dict[str, Any]:
    rows = notes.notifications_of(current_user, unread_only=unread)
    return {"notifications": [notes.notification_json(r) for r in rows], "unread": notes.unread_count(current_user)}


@endpoint("POST", "/notifications/read", summary="Mark notifications read (all when no ids are given)",
          body=MarkRead, response=Marked, tags=["notifications"])
@signed_in
def mark_notifications_read(body: MarkRead) -> dict[str, Any]:
    marked = notes.mark_read(current_user, body.ids)
    return {"marked": marked, "unread": notes.unread_count(current_user)}
