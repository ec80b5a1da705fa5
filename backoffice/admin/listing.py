"""Lists that stay fast at a million rows (issue 12): indexed search and a cheap count.

A Flask-Admin model view with ``IndexedListMixin``:

* searches with ``list_search(search)`` — a condition from services/lists.py on indexed columns — instead
  of Flask-Admin's ``CAST(col AS VARCHAR) ILIKE`` over every searchable column (the search box still comes
  from ``column_searchable_list``);
* counts with services/counting.py instead of an exact ``COUNT(*)``: the planner's estimate for the
  unfiltered list ("about 1,000,000"), a count capped past the page for a searched or filtered one ("more
  than 1,000"); exact wherever it is small.

Everything else (filters, sorting, paging, export) is Flask-Admin's, as in its ``get_list``.
"""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from backoffice.extensions import db
from backoffice.services import counting


class IndexedListMixin:
    def list_search(self, search: str):
        """The WHERE condition of a search (None: no condition). Override with a services/lists.py one."""
        raise NotImplementedError

    def list_narrowed(self) -> bool:
        """The view's own filter (in get_query) is on: the list is not the whole table."""
        return False

    def _apply_search(self, query, count_query, joins, count_joins, search):
        condition = self.list_search(search)
        if condition is not None:
            query = query.filter(condition)
            if count_query is not None:
                count_query = count_query.filter(condition)
        return query, count_query, joins, count_joins

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """Flask-Admin's get_list with the count from services/counting.py."""
        joins: dict = {}
        query = self.get_query()
        if self._search_supported and search:
            query, _, joins, _ = self._apply_search(query, None, joins, {}, search)
        if filters and self._filters:
            query, _, joins, _ = self._apply_filters(query, None, joins, {}, filters)
        if page_size is None:
            page_size = self.page_size
        if search or filters or self.list_narrowed():
            count = counting.capped(db.session, query.statement, offset=(page or 0) * (page_size or 0))
        else:
            count = counting.total(db.session, self.model)
        for join in self._auto_joins:
            query = query.options(joinedload(join))
        query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
        query = self._apply_pagination(query, page, page_size)
        if execute:
            query = query.all()
        return count, query
