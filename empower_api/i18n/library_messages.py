"""Messages that libraries write in English, listed here so the catalogs carry them.

marshmallow (fields, schemas, validators) and webargs format these before we see
them; ``empower_api.i18n.translate`` finds a formatted one again by its ``{name}``
placeholders, and the exact expansions below win over the pattern (``Not a valid
datetime.`` must not come out with an English ``datetime`` inside a translation).
``tests/i18n/test_catalogs.py`` fails when a library version adds a message missing here.
"""

from __future__ import annotations

from empower_api.i18n import N_

MARSHMALLOW = (
    # Schema
    N_("Unknown field."),
    N_("Invalid input type."),
    # Every field
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    # Field types
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Invalid type."),
    N_("Not a valid UUID."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("Not a valid date."),
    N_("Not a valid period of time."),
    N_("Must be one of: {choices}."),
    N_('"{input}" cannot be formatted as a date.'),
    # Date and time fields: the template and each expansion it has.
    N_("Not a valid {obj_type}."),
    N_("Not a valid {awareness} {obj_type}."),
    N_('"{input}" cannot be formatted as a {obj_type}.'),
    N_("Not a valid datetime."),
    N_("Not a valid time."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_('"{input}" cannot be formatted as a datetime.'),
    # Validators
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be equal to {other}."),
    N_("Invalid input."),
    N_("String does not match expected pattern."),
    N_("One or more of the choices you made was in: {values}."),
    N_("One or more of the choices you made was not in: {choices}."),
    # validate.Range, as it formats them.
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
)

WEBARGS = (
    N_("Not a valid delimited list."),
    N_("Not a valid delimited tuple."),
)
