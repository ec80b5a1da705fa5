"""History in the back office: a History (or Timeline) tab for any SecureModelView, and the audit log.

``HistoryTabMixin`` gives a view's details page the tabs Overview | History and these endpoints:

* ``/history/?id=<record>``: the tab (newest first, 25 at a time; ``before=<entry id>`` for older ones,
  ``group=`` to filter by kind; ``fragment=1`` returns only the entries, for infinite scroll);
* ``/history/note/?id=`` (POST): add a note — the view's edit permission;
* ``/history/note/delete/?id=&entry=``: delete a note — its author or a system admin; itself an entry;
* ``/history/restore/?id=&entry=&field=``: "Restore this value" — system admins, through the record's
  own update service.

Nothing here edits or deletes an entry otherwise; the audit log is read-only.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, stream_with_context, url_for
from flask_admin import expose
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from backoffice.forms import Form
from sqlalchemy import or_, select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from backoffice.admin.base import PlainConfirmForm, SecureBaseView
from backoffice.admin import history_labels as labels
from backoffice.security import MissingPermission
from backoffice.models.roles import can, roles_with
from backoffice.extensions import db
from backoffice.models import HistoryEntry, User
from backoffice.parsers import ReturnUrl, ActorFilter, Choice, Cursor, Date, Flag, Id, Text, accepts, arg
from backoffice.services import history
from backoffice.saving import run_service
from backoffice.services.history import restore
from backoffice.infra.spreadsheet import stream_csv


class NoteForm(Form):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])


# --- presenting entries ---------------------------------------------------------------------------------


def _show(value, label=None) -> str:
    if label is not None:
        return str(label)
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):  # (a choice field's options)
        return ", ".join(map(str, value))
    return str(value)


def change_lines(entry: HistoryEntry) -> list[dict]:
    """Each change as the timeline shows it: label, old, new (or only "changed" for a secret)."""
    lines = []
    for change in entry.changes or []:
        field = change.get("field", "")
        label = change.get("label") or labels.field_label(field)  # (a custom field's change names its label)
        if change.get("changed"):
            lines.append({"field": change.get("field"), "label": label, "secret": True})
            continue
        lines.append(
            {
                "field": change.get("field"),
                "label": label,
                "old": _show(change.get("old"), change.get("old_label") or labels.value_label(field, change.get("old"))),
                "new": _show(change.get("new"), change.get("new_label") or labels.value_label(field, change.get("new"))),
                "created": entry.kind in ("create", "import"),  # (a value set, nothing before it)
                "restorable": history.restorable(entry, change),
            }
        )
    return lines


def when(entry: HistoryEntry) -> str:
    return format_datetime(entry.occurred_at, "medium")


def iso(entry: HistoryEntry) -> str:
    value = entry.occurred_at
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def kind_label(kind: str) -> str:
    return str(labels.KIND_LABELS.get(kind, kind.replace("_", " ").capitalize()))


def actor_label(entry: HistoryEntry) -> str:
    if entry.actor_id is None and entry.actor_name == history.SYSTEM:
        return _("System")
    if entry.actor_id is None and entry.actor_name == history.ANONYMOUS:
        return _("Not signed in")
    return entry.actor_name


def timeline_helpers() -> dict:
    return {
        "actor_label": actor_label,
        "change_lines": change_lines,
        "when": when,
        "iso": iso,
        "kind_label": kind_label,
        "record_type_label": lambda t: str(labels.RECORD_TYPE_LABELS.get(t, t)),
    }


# --- the tab -------------------------------------------------------------------------------------------


class HistoryTabMixin:
    """Put before SecureModelView in the bases; merge ``history_endpoints`` into endpoint_permissions."""

    history_record_type: str = ""
    history_tab_label = _l("History")
    overview_tab_label = _l("Overview")
    details_template = "admin/backoffice_details.html"
    history_template = "admin/history_tab.html"
    # The kind filters offered above the entries (keys of history.KIND_GROUPS).
    history_groups: tuple = ("changes", "notes", "sharing", "deletion")

    history_endpoints = {
        "history_view": "view",
        "history_note_view": "edit",
        "history_note_delete_view": "view",  # and: the note's author or a system admin
        "history_restore_view": "edit",  # and: history.restore (system admins)
    }

    def history_record_name(self, model) -> str:
        spec = next((s for s in history.TRACKED.values() if s.record_type == self.history_record_type), None)
        return spec.name(model) if spec is not None else str(model)

    def record_id(self, model) -> int:
        """The record's id as history files it (get_pk_value gives Flask-Admin's URL text)."""
        return getattr(model, self._primary_key)

    def record_tabs(self, model, active: str) -> list[dict]:
        pk = self.get_pk_value(model)
        return [
            {"key": "overview", "label": self.overview_tab_label, "url": self.get_url(".details_view", id=pk),
             "active": active == "overview"},
            {"key": "history", "label": self.history_tab_label, "url": self.get_url(".history_view", id=pk),
             "active": active == "history"},
        ]

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs.setdefault("record_tabs", self.record_tabs(kwargs["model"], "overview"))
        return super().render(template, **kwargs)

    def timeline_context(self, model) -> dict:
        """Everything the _timeline.html partial needs (a customers details page can call this too)."""
        pk = self.get_pk_value(model)
        group = arg("group")
        group = group if group in self.history_groups else None
        before = arg("before")  # (a value no id can be: the newest entries, never int() of it)
        entries, more = history.timeline(db.session, self.history_record_type, self.record_id(model), group=group, before=before)
        here = self.get_url(".history_view", id=pk, group=group)
        groups = [{"key": None, "label": _("All"), "url": self.get_url(".history_view", id=pk),
                   "active": group is None}]
        for key in self.history_groups:
            groups.append({"key": key, "label": labels.KIND_GROUP_LABELS[key],
                           "url": self.get_url(".history_view", id=pk, group=key), "active": group == key})
        return {
            "entries": entries,
            "more_url": self.get_url(".history_view", id=pk, group=group, before=entries[-1].id) if more else None,
            "groups": groups,
            "group": group,
            "first_page": before is None,
            "note_form": NoteForm() if self.allowed("edit") else None,
            "note_url": self.get_url(".history_note_view", id=pk, group=group),
            "delete_note_url": lambda e: self.get_url(".history_note_delete_view", id=pk, entry=e.id, url=here),
            "restore_url": lambda entry, field: self.get_url(".history_restore_view", id=pk, entry=entry.id, field=field, url=here),
            "can_delete_note": lambda e: history.can_delete_note(current_user, e),
            "can_restore": can(current_user, "history.restore"),
            **timeline_helpers(),
        }

    @expose("/history/")
    @accepts(id=Id(), group=Choice(*history.KIND_GROUPS), before=Cursor(), fragment=Flag())
    def history_view(self):
        model = self.get_one_or_404(arg("id"))
        timeline = self.timeline_context(model)
        if arg("fragment"):
            return render_template("admin/_timeline_entries.html", timeline=timeline)
        return self.render(self.history_template, model=model, timeline=timeline, record_tabs=self.record_tabs(model, "history"),
                           return_url=self.get_url(".index_view"))

    @expose("/history/note/", methods=("POST",))
    @accepts(id=Id(), group=Choice(*history.KIND_GROUPS), before=Cursor())
    def history_note_view(self):
        model = self.get_one_or_404(arg("id"))
        form = NoteForm()
        back = self.get_url(".history_view", id=self.get_pk_value(model))
        added = run_service(form, lambda: history.add_note(
            db.session, self.actor, self.history_record_type, self.record_id(model),
            self.history_record_name(model), form.text.data,
        ))
        if added.saved:
            flash(_("The note was added."), "success")
            return redirect(back)
        # Refused: the history again, with what was typed and the reason beside the field.
        timeline = self.timeline_context(model)
        timeline["note_form"] = form
        page = self.render(self.history_template, model=model, timeline=timeline, record_tabs=self.record_tabs(model, "history"),
                           return_url=self.get_url(".index_view"))
        return page, 400

    def _entry_of(self, model) -> HistoryEntry:
        entry_id = arg("entry")
        entry = db.session.get(HistoryEntry, entry_id) if entry_id is not None else None
        types = history.timeline_types(self.history_record_type)
        if entry is None or entry.record_type not in types or entry.record_id != self.record_id(model):
            abort(404)
        return entry

    @expose("/history/note/delete/", methods=("GET", "POST"))
    @accepts(id=Id(), entry=Id(), url=ReturnUrl(), modal=Flag(), panel=Flag())
    def history_note_delete_view(self):
        model = self.get_one_or_404(arg("id"))
        entry = self._entry_of(model)
        if entry.kind != "note":
            abort(404)
        if not history.can_delete_note(current_user, entry):
            if entry.note_deleted_at is not None:
                return self._refuse_history(_("This note is already deleted."))
            raise MissingPermission("history.delete_any_note")
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Delete note"),
            messages=[_("The note will be hidden from the history. Its deletion is recorded.")],
            items=[entry.note],
            submit_label=_("Delete note"),
            danger=True,
            perform=lambda form: history.delete_note(db.session, self.actor, entry) and _("The note was deleted."),
        )

    @expose("/history/restore/", methods=("GET", "POST"))
    @accepts(id=Id(), entry=Id(), field=Text(100), url=ReturnUrl(), modal=Flag(), panel=Flag())
    def history_restore_view(self):
        if not can(current_user, "history.restore"):
            raise MissingPermission("history.restore")
        model = self.get_one_or_404(arg("id"))
        entry = self._entry_of(model)
        field = arg("field")
        change = next((c for c in entry.changes or [] if c.get("field") == field), None)
        if change is None or not history.restorable(entry, change):
            abort(404)
        old = _show(change.get("old"), change.get("old_label"))
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Restore this value"),
            messages=[_("Set %(field)s back to “%(value)s”? The restore is recorded as a new change.",
                        field=labels.field_label(field), value=old)],
            submit_label=_("Restore"),
            perform=lambda form: restore.restore_value(db.session, self.actor, entry, field)
            and _("%(field)s was set back to “%(value)s”.", field=labels.field_label(field), value=old),
        )

    def _refuse_history(self, message):
        flash(message, "error")
        return redirect(self.list_url())


# --- the audit log ---------------------------------------------------------------------------------------


AUDIT_PAGE = 50
# record_type -> the endpoint of its History tab (the customers view adds "customer").
RECORD_ENDPOINTS = {
    "organization": "organizations.history_view",
    "user": "users.history_view",
    "customer": "customers.history_view",
}


def record_url(entry: HistoryEntry) -> str | None:
    # billing information and addresses are filed under their customer's id (part of its card)
    endpoint = RECORD_ENDPOINTS.get(
        "customer" if entry.record_type in ("billing_info", "customer_address") else entry.record_type
    )
    if endpoint is None or entry.record_id is None or entry.kind == "purge":
        return None
    return url_for(endpoint, id=entry.record_id)


def changes_text(entry: HistoryEntry) -> str:
    parts = []
    for line in change_lines(entry):
        if line.get("secret"):
            parts.append(_("%(field)s changed", field=line["label"]))
        else:
            parts.append(f"{line['label']}: {line['old']} → {line['new']}")
    return "; ".join(parts)


class AuditLogView(SecureBaseView):
    """Every entry, for system administrators: filters, search, keyset paging and a streamed CSV."""

    endpoint_permissions = {"index": "audit.view", "export": "audit.view"}
    visible = True  # in the sidebar (SYSTEM), for those who may open it

    def is_accessible(self):
        return can(current_user, "audit.view")

    # What the list and its export read; a value a parser can't read is an ignored filter.
    filter_params = {
        "user": ActorFilter(),
        "record_type": Choice(*labels.RECORD_TYPE_LABELS),
        "kind": Choice(*labels.KIND_LABELS),
        "date_from": Date(),
        "date_to": Date(),
        "q": Text(200),
    }

    def _filters(self) -> dict:
        """Every filter read and checked here (parsed: the actor an int or "system"), before a query is
        built (or an export's first byte); a value a parser refused is None (no filter)."""
        return {name: arg(name) for name in self.filter_params}

    @staticmethod
    def _shown(filters: dict) -> dict:
        """The filters as the form's fields show them again (text)."""
        return {name: "" if value is None else str(value) if name == "user" else value
                for name, value in filters.items()}

    def _day(self, day, end: bool = False):
        """A date typed in the viewer's time zone, as a UTC instant (the next midnight for "to")."""
        if not day:
            return None
        zone = get_timezone()
        zone = ZoneInfo(str(zone)) if zone is not None else UTC
        local = datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=zone)  # (Date(): no overflow)
        return local.astimezone(UTC)

    def _query(self, chosen: dict):
        query = select(HistoryEntry)
        if chosen["user"] == "system":
            query = query.where(HistoryEntry.actor_id.is_(None))
        elif chosen["user"] is not None:
            query = query.where(HistoryEntry.actor_id == chosen["user"])
        if chosen["record_type"]:
            query = query.where(HistoryEntry.record_type == chosen["record_type"])
        if chosen["kind"]:
            query = query.where(HistoryEntry.kind == chosen["kind"])
        start, stop = self._day(chosen["date_from"]), self._day(chosen["date_to"], end=True)
        if start is not None:
            query = query.where(HistoryEntry.occurred_at >= start)
        if stop is not None:
            query = query.where(HistoryEntry.occurred_at < stop)
        if chosen["q"]:
            pattern = "%" + chosen["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                or_(HistoryEntry.record_name.ilike(pattern, escape="\\"), HistoryEntry.note.ilike(pattern, escape="\\"),
                    HistoryEntry.actor_name.ilike(pattern, escape="\\"))
            )
        return query.order_by(HistoryEntry.occurred_at.desc(), HistoryEntry.id.desc())

    @expose("/")
    @accepts(**filter_params, before=Cursor())
    def index(self):
        chosen = self._filters()
        query = self._query(chosen)
        before = arg("before")
        if before is not None:
            cursor = db.session.get(HistoryEntry, before)
            if cursor is not None:
                query = query.where(
                    (HistoryEntry.occurred_at < cursor.occurred_at)
                    | ((HistoryEntry.occurred_at == cursor.occurred_at) & (HistoryEntry.id < cursor.id))
                )
        rows = list(db.session.scalars(query.limit(AUDIT_PAGE + 1)))
        entries, more = rows[:AUDIT_PAGE], len(rows) > AUDIT_PAGE
        active = {k: v for k, v in chosen.items() if v is not None and v != ""}
        users = db.session.execute(
            select(User.id, User.first_name, User.last_name, User.email)
            .where(User.role.in_(roles_with("admin.access")))
            .order_by(User.last_name, User.first_name)
        ).all()
        return self.render(
            "admin/audit_log.html",
            entries=entries,
            filters=self._shown(chosen),
            users=users,
            record_types=labels.RECORD_TYPE_LABELS,
            kinds=labels.KIND_LABELS,
            more_url=url_for(".index", **active, before=entries[-1].id) if more else None,
            newest_url=url_for(".index", **active) if before else None,
            export_url=url_for(".export", **active),
            record_url=record_url,
            **timeline_helpers(),
        )

    @expose("/export.csv")
    @accepts(**filter_params)
    def export(self):
        # Everything is read and checked, and the query built, before the response starts: a bad value
        # can't end the stream midway (a 200 and a truncated file).
        query = self._query(self._filters()).execution_options(yield_per=1000)

        def rows():
            for entry in db.session.scalars(query):
                note = entry.note
                if entry.note_deleted_at is not None:
                    note = f"[{_('deleted')}] {note or ''}"
                yield (
                    entry.id, iso(entry), actor_label(entry), entry.kind, entry.record_type, entry.record_id,
                    entry.record_name, changes_text(entry), note,
                )

        header = ["id", "occurred_at_utc", "actor", "kind", "record_type", "record_id", "record_name", "changes", "note"]
        generate = stream_csv(header, rows(), language=str(get_locale()))

        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        return Response(
            stream_with_context(generate),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"',
                     "X-Content-Type-Options": "nosniff"},
        )


