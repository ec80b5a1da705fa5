"""The one save path of the web layer (admin/, auth/, portal.py): validate → call the service → commit,
or roll back and put the service's refusal beside its field.

``run_service(form, work)`` is the only place in those packages that commits a request's work. A view
decides what to show from the ``Outcome`` it returns: ``saved`` (redirect, flash), ``conflict`` (the
optimistic lock refused: the 409 page, or the list when ``gone``), or neither (show the form again: its
fields carry the refusal, or it did not validate). Nothing is kept on ``flask.g``: the outcome is a value.

Services never import this module (they flush; the caller commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import flash, request
from markupsafe import Markup, escape

from backoffice.extensions import db
from backoffice.services.errors import ConflictError, ServiceError


@dataclass
class Outcome:
    """What became of one save."""

    saved: bool = False
    value: Any = None  # what the service returned
    error: ServiceError | None = None  # the refusal (a ConflictError for a lost optimistic lock)
    submitted: bool = True  # False: a GET (nothing was called)

    def __bool__(self) -> bool:  # (Flask-Admin's create_model/update_model contract: truthy when saved)
        return self.saved

    @property
    def conflict(self) -> ConflictError | None:
        return self.error if isinstance(self.error, ConflictError) else None

    @property
    def gone(self) -> bool:
        """The refused save found the record deleted (in the same instant): no form to show again."""
        return self.conflict is not None and self.conflict.version is None

    @property
    def status(self) -> int:
        """The status of the page that shows the form again: 409 after a conflict, 400 after any other
        refusal or an invalid form, 200 when the form was only opened."""
        if self.conflict is not None:
            return 409
        return 400 if self.submitted or self.error is not None else 200


def beside_field(form, error: ServiceError) -> str | None:
    """Put a service's refusal beside its field; the message when it names none (for the caller to show)."""
    if form is not None and error.field and error.field in form:
        # A plain str: Flask-Admin's templates show only errors that are str instances, not lazy strings.
        form[error.field].errors = [*form[error.field].errors, str(error.message)]
        return None
    return str(error.message)


def place_error(form, error: ServiceError) -> None:
    """Put a service's refusal beside its field, or flash it when it names none (or there is no form)."""
    message = beside_field(form, error)
    if message is not None:
        flash(message, "error")


def submitted() -> bool:
    return request.method in ("POST", "PUT")


def validates(form) -> bool:
    """The form was posted and is valid (Flask-WTF's forms check their CSRF token as a field; Flask-Admin's
    scaffolded forms carry theirs through form_base_class)."""
    return submitted() and form.validate()


def run_service(form, work: Callable[[], Any], *, validate: bool = True, keep_on_refusal: bool = False,
                place: bool = True) -> Outcome:
    """Validate ``form`` (unless ``validate`` is False or there is no form), call ``work()``, commit.

    A ``ServiceError`` rolls back (or, with ``keep_on_refusal``, commits what the service recorded about the
    refusal itself: a failed two-factor attempt) and goes beside its field (flashed when it names none;
    a conflict is flashed above the form). ``place=False`` leaves showing the refusal to the caller.
    """
    if validate and form is not None and not validates(form):
        return Outcome(saved=False, submitted=submitted())
    try:
        value = work()
        db.session.commit()
        return Outcome(saved=True, value=value)
    except ServiceError as error:
        if keep_on_refusal:
            db.session.commit()
        else:
            db.session.rollback()  # the record's attributes now read what is stored
        if place:
            if isinstance(error, ConflictError):
                flash(str(error.message), "error")
            else:
                place_error(form, error)
        return Outcome(error=error)


def saved_message(text: str, name: str, url: str | None = None) -> Markup:
    """A translated "… %(name)s was saved." with the record's name as a link to it (when there is a url).

    ``text`` is the translated message with a ``%(name)s`` placeholder (gettext without arguments)."""
    shown = Markup('<a href="{}" class="alert-link">{}</a>').format(url, name) if url else escape(name)
    return escape(text) % {"name": shown}
