"""Response shape of ``GET /impact``."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from empower_api.impact.registry import FIGURES, Kind
from empower_api.timefmt import UtcDateTime


class MoneyTotalSchema(ma.Schema):
    currency = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Integer minor units."})


def _figure_fields() -> dict[str, fields.Field]:
    out: dict[str, fields.Field] = {}
    for name, kind in FIGURES.items():
        if kind == Kind.COUNT:
            out[name] = fields.Integer(allow_none=True, required=True, metadata={
                "description": "Null when under 5 (or not available)."})
        else:
            out[name] = fields.List(fields.Nested(MoneyTotalSchema), allow_none=True,
                                    required=True, metadata={
                "description": "Per currency; a currency with fewer than 5 contributing "
                               "survivors is left out. Null when not available."})
    return out


MonthFiguresSchema = ma.Schema.from_dict(
    {"month": fields.String(required=True, metadata={"example": "2026-11"}),
     **_figure_fields()}, name="ImpactMonthSchema")

ImpactSchema = ma.Schema.from_dict(
    {"generated_at": UtcDateTime(required=True),
     "suppression_threshold": fields.Integer(required=True),
     **_figure_fields(),
     "by_month": fields.List(fields.Nested(MonthFiguresSchema), required=True)},
    name="ImpactSchema")
