"""DOWNLOAD CSV: every customer, streamed by services/customer_export.py (never Flask-Admin's export)."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask_admin import expose
from flask_babel import get_locale

from backoffice.admin.base import SecureBaseView
from backoffice.extensions import db
from backoffice.parsers import Assigned, Choice, Ids, Ref, Text, accepts, arg
from backoffice.services import customer_export, customer_list
from backoffice.models.customer import PAYMENT_METHODS  # (issue 11, fields)


class CustomerExportView(SecureBaseView):
    endpoint_permissions = {"index": "customers.export", "download": "customers.export"}

    @expose("/")
    @accepts()
    def index(self):
        return self.render("admin/customer_export.html")

    @expose("/customers.csv")
    @accepts(search=Text(200), ids=Ids(), status=Choice(*customer_list.STATUSES), group=Ref(),
             payment_method=Choice(*PAYMENT_METHODS), location_group=Ref(),  # (+ issue 11, fields)
             customer_type=Choice(*customer_list.CUSTOMER_TYPES),  # (issue 11, private)
             assigned=Assigned())  # (issue 14)
    def download(self):
        """?search=, ?status= and ?group= narrow like the list does ("this filtered view"); repeated ?ids=
        exports just those customers."""
        ids = arg("ids")  # (None: not narrowed; [] when every id sent was bad: nothing)
        chunks = customer_export.iter_customer_csv(
            db.session,
            language=str(get_locale() or "en"),
            search=arg("search"),
            ids=ids,
            status=arg("status"),
            group_id=arg("group"),
            payment_method=arg("payment_method"),  # (issue 11, fields)
            location_group_id=arg("location_group"),
            customer_type=arg("customer_type"),  # (issue 11, private)
            assigned_to=customer_list.assigned_to(self.actor, arg("assigned")),  # (issue 14)
            visible_to=self.actor,  # (issue 14) only assigned customers for those who see only those
            timezone=getattr(self.actor, "timezone", None) or "Europe/Stockholm",
        )
        response = Response(stream_with_context(chunks), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = f"attachment; filename={customer_export.filename()}"
        response.headers["Cache-Control"] = "no-store"
        return response
