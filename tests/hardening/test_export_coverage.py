"""Issue #8 point 16: export and erasure are complete by construction."""

from __future__ import annotations

from datetime import date

from empower_api.accounts.service import covered_tables
from empower_api.models import metadata
from tests.accounts.test_auth_api import API
from tests.savings.conftest import circle  # noqa: F401  (fixture)
from tests.savings.helpers import ok


def tables_about_users() -> set[str]:
    """``users`` and every table that references it, directly or through such a table."""
    found = {"users"}
    while True:
        more = {table.name for table in metadata.sorted_tables
                if any(fk.column.table.name in found for fk in table.foreign_keys)} - found
        if not more:
            return found
        found |= more


def test_every_table_about_a_user_has_an_exporter_and_an_eraser(app):
    about_users = tables_about_users()
    # The walk sees every domain's tables (a new one lands here by itself).
    assert {"auth_sessions", "saved_jobs", "savings_memberships",
            "savings_meeting_attendance"} <= about_users
    exported, erased = covered_tables()
    assert sorted(about_users - exported) == [], "tables no exporter covers"
    assert sorted(about_users - erased) == [], "tables no eraser covers"


def test_registrations_name_only_real_tables(app):
    exported, erased = covered_tables()
    assert (exported | erased) - set(metadata.tables) == set()


def test_export_has_meeting_attendance_and_group_names(circle):  # noqa: F811
    group = f"/api/v1/savings/groups/{circle.gid}"
    second = ok(circle.chair.post(f"{group}/meetings", json={
        "held_on": date.today().isoformat(), "attendee_ids": [circle.member_id]}), 201)
    export = ok(circle.member.get(f"{API}/me/export"))["savings"]
    assert [m["group_name"] for m in export["memberships"]] == [
        ok(circle.member.get(group))["name"]]
    assert {a["meeting_id"] for a in export["attendance"]} >= {second["id"]}
    chair_export = ok(circle.chair.get(f"{API}/me/export"))["savings"]
    assert {m["meeting_id"] for m in chair_export["meetings_recorded"]} >= {second["id"]}
