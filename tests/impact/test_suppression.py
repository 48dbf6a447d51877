"""Small-cell suppression rules, on figures as providers return them."""

from __future__ import annotations

from empower_api.impact.registry import CountFigure, MoneyFigure, Total
from empower_api.impact.service import _suppress_counts, _suppress_money

MONTHS = ["2026-09", "2026-10", "2026-11"]


def test_counts_under_five_are_null_zero_included():
    overall, months = _suppress_counts(CountFigure(overall=4, by_month={"2026-11": 4}), MONTHS)
    assert overall is None
    assert months == {"2026-09": None, "2026-10": None, "2026-11": None}


def test_a_hidden_month_hides_the_smallest_shown_one_so_subtraction_reveals_nothing():
    figure = CountFigure(overall=19, by_month={"2026-09": 7, "2026-10": 3, "2026-11": 9})
    overall, months = _suppress_counts(figure, MONTHS)
    assert overall == 19
    # 19 - 9 = 10: the two hidden months together, never the 3 alone.
    assert months == {"2026-09": None, "2026-10": None, "2026-11": 9}


def test_months_all_at_or_over_five_are_all_shown():
    figure = CountFigure(overall=20, by_month={"2026-09": 5, "2026-10": 6, "2026-11": 9})
    assert _suppress_counts(figure, MONTHS)[1] == {"2026-09": 5, "2026-10": 6, "2026-11": 9}


def test_zero_months_do_not_cost_a_shown_month():
    figure = CountFigure(overall=12, by_month={"2026-09": 12})
    assert _suppress_counts(figure, MONTHS)[1] == {"2026-09": 12, "2026-10": None,
                                                   "2026-11": None}


def test_money_needs_five_contributors_per_currency_and_cell():
    figure = MoneyFigure(
        overall={"USD": Total(90_000, 9), "KES": Total(400_000, 4)},
        by_month={"2026-09": {"USD": Total(50_000, 6)}, "2026-10": {"USD": Total(10_000, 2)},
                  "2026-11": {"USD": Total(30_000, 5), "KES": Total(400_000, 4)}})
    overall, months = _suppress_money(figure, MONTHS)
    assert overall == [{"currency": "USD", "amount": 90_000}]
    # October (2 savers) is hidden, so November (the smallest shown) is hidden too.
    assert months == {"2026-09": [{"currency": "USD", "amount": 50_000}],
                      "2026-10": [], "2026-11": []}
