"""The Jinja filters pages write numbers with (incubator/filters.py)."""

from flask_babel import force_locale

from incubator.filters import hours, yuan


def test_hours_are_grouped_and_lose_a_trailing_zero_in_both_languages(app):
    # The dashboard's studio use read "7.0 of 20340.0 hours".
    for locale in ("en", "zh_Hans_CN"):
        with app.test_request_context(), force_locale(locale):
            assert hours(20340.0) == "20,340"
            assert hours(7.0) == "7"
            assert hours(7.5) == "7.5"
            assert hours(2.04) == "2"  # to one decimal
            assert hours(1234.56) == "1,234.6"
            assert hours(None) == ""


def test_yuan_are_written_from_fen_with_two_decimals(app):
    with app.test_request_context(), force_locale("en"):
        assert yuan(3006000) == "30,060.00"
        assert yuan(5) == "0.05"
        assert yuan(None) == ""
