"""What the crosswalk API takes and answers."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from server.rest.schemas import Body, StandardId

ItemKey = Annotated[str, Field(min_length=1, max_length=200)]


class MatchBody(BaseModel):
    source: ItemKey
    target: ItemKey
    kind: Literal["exact", "partial", "related"] = "exact"


class Crosswalk(BaseModel):
    id: str
    title: str
    source: str
    target: str
    counts: dict[str, int]
    matches: list[MatchBody]


class CrosswalkList(BaseModel):
    crosswalks: list[Crosswalk]
    broken: list[dict[str, str]]


class CrosswalkProposal(Body):
    """A whole crosswalk: a new one, or what an existing one becomes."""

    source: StandardId
    target: StandardId
    title: Annotated[str, Field(max_length=300)] = ""
    matches: Annotated[list[MatchBody], Field(max_length=50000)]


class Proposed(BaseModel):
    crosswalk: str
    branch: str
    commit: str
    url: str
