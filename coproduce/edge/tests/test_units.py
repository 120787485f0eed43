"""Lengths of time: how pages read what people type and show minutes, in English and Welsh."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from coproduce.edge.forms import DurationField
from coproduce.edge.units import (
    MINUTES_BOUND,
    minutes_display,
    minutes_in_words,
    minutes_refusal,
    minutes_signed,
    parse_duration,
)

WRITE_IT_LIKE = "Write the time like 1:30 or 1 hour 30 minutes."


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("1:30", 90),
        ("1.5", 90),
        ("1,5", 90),
        ("2", 120),
        ("90m", 90),
        ("90 min", 90),
        ("90 mins", 90),
        ("1h 30m", 90),
        ("1h30", 90),
        ("1H30M", 90),
        ("1 hour 30", 90),
        ("1 hour 30 minutes", 90),
        ("1 hour and 30 minutes", 90),
        ("1.5 hours", 90),
        ("2 hours", 120),
        ("45 minutes", 45),
        ("  1   hour  ", 60),
        ("1:30 hours", 90),
        ("0:05", 5),
        # Welsh
        ("1 awr 30 munud", 90),
        ("1 awr a 30 munud", 90),
        ("90 munud", 90),
        ("2 funud", 2),
        ("2 awr", 120),
        ("3 oriau", 180),
        # A minus, for limits
        ("-10:00", -600),
        ("\u221210:00", -600),
        ("- 2 hours", -120),
        # Fractions of a minute round to the nearest minute.
        ("0.01", 1),
        ("1.999", 120),
    ],
)
def test_every_common_way_of_writing_a_time_is_read(typed, minutes):
    assert parse_duration(typed) == minutes


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "lots",
        "an hour or so",
        "1:60",
        "1:5",
        "1.5 minutes",
        "1,500",
        "90 xyz",
        "h",
        "1 hour 2 hours",
        "²",
        "١:٣٠",
        "9" * 41,
        "1" * 12 + ":00",
    ],
)
def test_what_is_not_a_time_gets_one_message_that_says_how_to_write_one(typed):
    with pytest.raises(forms.ValidationError) as refused:
        parse_duration(typed)
    assert refused.value.messages == [WRITE_IT_LIKE]


def test_minutes_are_shown_as_hours_and_minutes_with_a_real_minus_sign():
    assert [minutes_display(m) for m in (0, 5, 90, -600, None)] == [
        "0:00",
        "0:05",
        "1:30",
        "−10:00",
        "",
    ]
    assert [minutes_signed(m) for m in (90, -45, 0)] == ["+1:30", "−0:45", "0:00"]


def test_minutes_in_words_in_english_and_welsh():
    with translation.override("en"):
        assert minutes_in_words(195) == "3 hours 15 minutes"
        assert [minutes_in_words(m) for m in (60, 1, 0, -121)] == [
            "1 hour",
            "1 minute",
            "0 minutes",
            "−2 hours 1 minute",
        ]
    with translation.override("cy"):
        assert minutes_in_words(195) == "3 awr 15 munud"
        assert minutes_in_words(120) == "2 awr"
        # Two takes a soft mutation: "2 funud", which reads back too.
        assert minutes_in_words(122) == "2 awr 2 funud"
        assert parse_duration("2 awr 2 funud") == 122


@given(st.integers(min_value=-MINUTES_BOUND, max_value=MINUTES_BOUND))
def test_a_time_shown_as_hours_and_minutes_reads_back_as_the_same_minutes(minutes):
    assert parse_duration(minutes_display(minutes)) == minutes


@given(
    st.integers(min_value=-MINUTES_BOUND, max_value=MINUTES_BOUND),
    st.sampled_from(["en", "cy"]),
)
def test_a_time_shown_in_words_reads_back_as_the_same_minutes(minutes, language):
    with translation.override(language):
        assert parse_duration(minutes_in_words(minutes)) == minutes


def test_the_range_is_refused_in_the_same_words_everywhere():
    assert minutes_refusal(0, least=1, most=1440).messages == ["The time must be at least 0:01."]
    assert minutes_refusal(1441, least=1, most=1440).messages == [
        "The time can't be more than 24:00."
    ]
    assert minutes_refusal(-5, least=None, most=None) is None


class _Record(forms.Form):
    minutes = DurationField(most=24 * 60)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "This field is required."),
        ("lots", WRITE_IT_LIKE),
        ("0:00", "The time must be at least 0:01."),
        ("-1:00", "The time must be at least 0:01."),
        ("25 hours", "The time can't be more than 24:00."),
    ],
)
def test_the_duration_field_gives_one_clear_message(typed, error):
    form = _Record({"minutes": typed})
    assert not form.is_valid()
    assert form.errors["minutes"] == [error]


def test_the_duration_field_cleans_to_minutes_and_shows_them_as_hours():
    form = _Record({"minutes": "1 hour 30"})
    assert form.is_valid() and form.cleaned_data["minutes"] == 90
    assert 'value="1:30"' in str(_Record(initial={"minutes": 90})["minutes"])
