"""A service's refusal shown to the person: beside the form it answers, or as the message on
the next page. The API shows the same message in its error shape (``api/api.py``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.utils.translation import gettext as _

from coproduce.edge.errors import DomainError

Refusal = DomainError | ValidationError | PermissionDenied


def refusal_message(error: Refusal) -> str:
    """The refusal in one piece of text, for a message at the top of the next page."""
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, PermissionDenied):
        return str(error) or _("You can't do that.")
    return " ".join(error.messages)


def add_refusal(form: BaseForm, error: Refusal) -> None:
    """Show a refusal beside the field it names, or at the top of the form (with the typed
    values kept, as ``templates/includes/form.html`` shows every error)."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, problems in error.error_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    elif isinstance(error, ValidationError):
        form.add_error(None, error)
    else:
        form.add_error(None, refusal_message(error))
