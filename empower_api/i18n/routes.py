"""``GET /labels``: what the app shows for each enum value, in one language."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from empower_api.i18n import N_, current_locale, shipped_locales, speaking
from empower_api.i18n.labels import labels_in
from empower_api.security.permissions import auth_required

blp = Blueprint("languages", __name__, url_prefix="/api/v1", description="Languages and labels")


class LabelsQuerySchema(ma.Schema):
    locale = fields.String(
        validate=validate.OneOf(shipped_locales(),
                                error=N_("Choose one of the languages served: {choices}.")),
        metadata={"description": "A shipped locale; default: the request's language "
                                 "(the user's locale, else Accept-Language)."})


class LabelsSchema(ma.Schema):
    locale = fields.String(metadata={"description": "BCP 47 tag of the labels' language"})
    direction = fields.String(metadata={"description": "ltr | rtl (Arabic is rtl)"})
    locales = fields.List(fields.String(), metadata={"description": "every locale served"})
    labels = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={"description": "{kind: {value: label}}; kinds and values never change "
                                 "with the language"})


@blp.route("/labels")
class Labels(MethodView):
    @auth_required(optional=True)
    @blp.arguments(LabelsQuerySchema, location="query")
    @blp.response(200, LabelsSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Labels of every enum value a person sees (roles, statuses, job types …).

        Public. ``locale`` picks the language, else the request's own (a signed-in
        user's ``locale``, else ``Accept-Language``); the answer's ``Content-Language``
        names it. Cached for an hour by the client only: the language may be the user's."""
        with speaking(query.get("locale") or current_locale()):
            tag = current_locale()
            body = {"locale": tag, "direction": direction(tag), "locales": list(shipped_locales()),
                    "labels": labels_in(tag)}
        return body, {"Cache-Control": "private, max-age=3600", "Content-Language": tag,
                      "Vary": "Authorization, Accept-Language"}


def direction(tag: str) -> str:
    """``rtl`` for scripts written right to left (Arabic, Hebrew, Persian, Urdu)."""
    return "rtl" if tag.split("-")[0] in {"ar", "he", "fa", "ur", "ps", "yi"} else "ltr"
