"""Users and tokens as the CLI lists them, in one session of the node."""

from __future__ import annotations

from sqlalchemy import select

from ..node import Node
from .models import ApiToken, User


def users_and_tokens(node: Node) -> list[tuple[User, list[ApiToken]]]:
    """Every user by name, each with their tokens, oldest first."""
    with node.reading() as session:
        return [(user, list(session.scalars(select(ApiToken).where(ApiToken.user == user.name)
                                            .order_by(ApiToken.created))))
                for user in session.scalars(select(User).order_by(User.name))]
