"""One ISO 4217 table and one amount field serve every domain."""

from __future__ import annotations

import marshmallow as ma
import pytest

from empower_api.money import MAX_AMOUNT, amount_field, to_major, validate_currency
from tests.conftest import assert_problem
from tests.factories.accounts import make_survivor
from tests.savings.helpers import API, CONSTITUTION


@pytest.mark.parametrize("code,amount,major", [("USD", 12550, "125.50"), ("JPY", 500, "500"),
                                               ("KWD", 1234, "1.234")])
def test_to_major_is_exact(code, amount, major):
    assert str(to_major(amount, code)) == major


def test_currency_must_be_iso_4217():
    validate_currency("EUR")
    for bad in ("XYZ", "usd", "US", ""):
        with pytest.raises(ma.ValidationError):
            validate_currency(bad)


def test_amount_field_is_a_strict_bounded_integer():
    schema = ma.Schema.from_dict({"amount": amount_field(minimum=1)})()
    assert schema.load({"amount": 5}) == {"amount": 5}
    for bad in (0, 1.5, "5", MAX_AMOUNT + 1):
        with pytest.raises(ma.ValidationError):
            schema.load({"amount": bad})


def test_savings_group_refuses_unknown_currency_and_accepts_lower_case(session, auth_client):
    client = auth_client(make_survivor(session))
    assert_problem(client.post(API, json={**CONSTITUTION, "currency": "XYZ"}), 422,
                   field="currency")
    created = client.post(API, json={**CONSTITUTION, "currency": "kes"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["currency"] == "KES"
