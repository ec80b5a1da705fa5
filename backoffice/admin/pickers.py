"""Pickers: a record chosen in a combobox that searches on the server.

Every place a record is picked (a customer's organization and customer admin, the recover dialog's
customer admin, the shared account to add) is one `PickerField` in a form plus one `Picker` that says
which records are candidates and how one is labelled. The page shows a plain <select> of the first
`PICKER_LIMIT` candidates and the current choice (it works so without JavaScript; an edit form may list only
the current choice, `fill(candidates=False)`, to render without querying the candidates); static/js/pickers.js
turns every select marked `data-picker` into a Tom Select combobox (typing searches, arrow keys and Enter
pick) that asks the search endpoint named by `data-search-url` as the user types.

A search endpoint is a view method declared like any other (`@expose`, `@accepts(**SEARCH_PARAMS)`, a
permission in the view's `endpoint_permissions`) whose body is one call:

    @expose("/admin-search/")
    @accepts(**SEARCH_PARAMS)
    def admin_search_view(self):
        return ADMIN_PICKER.results(arg("q"))

The chosen id is never trusted: the field doesn't check it against its choices (they are only the first
rows); the service that uses the id checks it (one place per rule) and its ServiceError is shown beside
the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.widgets import Select

from backoffice.extensions import db
from backoffice.parsers import Text
from backoffice.services.validation import parse_id

PICKER_LIMIT = 20  # candidates listed on the page and answered per search
SEARCH_PARAMS = {"q": Text(100)}  # the query string of every picker search endpoint


class PickerWidget(Select):
    """A <select> that pickers.js enhances: the texts its combobox shows come from data-* attributes
    (translated here; the CSP allows no inline script to hand them over)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("data-picker", "")
        if field.search_url:
            kwargs["data-search-url"] = field.search_url
        kwargs["data-placeholder"] = str(field.placeholder or "")
        kwargs["data-no-results"] = str(_l("No matches. Try another name or number."))
        kwargs["data-loading"] = str(_l("Searching…"))
        kwargs["data-more"] = str(_l("Showing the first %(n)d. Type to narrow the list.", n=PICKER_LIMIT))
        kwargs["data-limit"] = str(PICKER_LIMIT)
        return super().__call__(field, **kwargs)


class PickerField(SelectField):
    """One record picked by id. Its choices and search URL are set per request by `Picker.fill`."""

    widget = PickerWidget()

    def __init__(self, label=None, validators=None, *, placeholder=None, **kwargs):
        # The choices are only the first rows: the service checks the posted id, not the field.
        kwargs["validate_choice"] = False
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, coerce=str, **kwargs)
        self.placeholder = placeholder
        self.search_url: str | None = None


@dataclass(frozen=True)
class Picker:
    """Which records can be picked and how each is shown.

    ``find(search, limit)`` returns the candidates matching the typed text (None: all), at most ``limit``,
    in the order shown; ``label(row)`` is the text of one; ``model`` finds the current or posted choice by
    id, listed on the page even when it isn't a candidate (a customer's own admin, a refused choice).
    """

    model: type
    find: Callable[[str | None, int], Iterable[Any]]
    label: Callable[[Any], str]
    limit: int = PICKER_LIMIT

    def options(self, search: str | None) -> list[dict]:
        return [{"id": row.id, "text": self.label(row)} for row in self.find(search, self.limit)]

    def results(self, search: str | None):
        """The body of a search endpoint: the matching candidates as JSON ({"results": [{id, text}]})."""
        return jsonify(results=self.options(search))

    def fill(self, field: PickerField, search_url: str | None, keep: Any = None, search: str | None = None,
             candidates: bool = True) -> None:
        """The first candidates (matching ``search``: a page's own search form, without JavaScript), plus
        ``keep`` (the stored choice) and the posted choice. ``candidates=False``: only those two, no query of
        the candidates (an edit form: the combobox asks the search endpoint once the field is focused)."""
        rows = list(self.find(search, self.limit)) if candidates else []
        posted = parse_id(field.data)
        extra = [keep]
        if posted is not None and (keep is None or keep.id != posted):
            extra.append(db.session.get(self.model, posted))
        for row in extra:
            if row is not None and all(r.id != row.id for r in rows):
                rows.insert(0, row)
        field.choices = [("", str(field.placeholder or ""))] + [(str(r.id), self.label(r)) for r in rows]
        field.search_url = search_url


# --- several records picked at once (issue 11, groups: customer groups, members) --------------------------


class MultiPickerWidget(PickerWidget):
    """The same combobox over a <select multiple>: Tom Select then keeps several chosen items."""

    def __init__(self):
        super().__init__(multiple=True)


class MultiPickerField(PickerField):
    """Several records picked by id (``data`` is a list of id strings). Choices are set by ``Picker.fill_many``."""

    widget = MultiPickerWidget()

    def process_data(self, value):
        self.data = [str(v.id if hasattr(v, "id") else v) for v in (value or [])]

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v]

    def pre_validate(self, form):
        return None

    def iter_choices(self):
        from wtforms.fields.choices import Choice

        chosen = set(self.data or [])
        return [Choice(value=value, label=label, selected=value in chosen, render_kw={})
                for value, label in self.choices if value != ""]


def fill_many(picker: Picker, field: MultiPickerField, search_url: str | None, keep=()) -> None:
    """``Picker.fill`` for a MultiPickerField: the first candidates, plus ``keep`` (the stored choices) and
    the posted ones."""
    rows = list(picker.find(None, picker.limit))
    extra = list(keep or ())
    for value in field.data or []:
        posted = parse_id(value)
        if posted is not None and all(r.id != posted for r in rows + extra):
            row = db.session.get(picker.model, posted)
            if row is not None:
                extra.append(row)
    for row in extra:
        if row is not None and all(r.id != row.id for r in rows):
            rows.insert(0, row)
    field.choices = [(str(r.id), picker.label(r)) for r in rows]
    field.search_url = search_url
