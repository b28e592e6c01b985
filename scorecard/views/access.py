"""The views' gate to `scorecard.permissions`: every check runs on the server, for every request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from scorecard import permissions
from scorecard.models import User

F = TypeVar("F", bound=Callable[..., Any])


def allowed_if(check: Callable[[User], bool]) -> Callable[[F], F]:
    """Signed in (else sent to sign in), and `check(current_user)` holds (else 403); `check`
    is one of the role questions of `scorecard.permissions`."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


admin_required = allowed_if(permissions.can_administer)
import_required = allowed_if(permissions.can_import)
export_required = allowed_if(permissions.can_export)
