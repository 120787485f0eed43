"""The one member picker: a list while a community is small, a name to type when it is not."""

from __future__ import annotations

import pytest
from django import forms

from coproduce.communities import fields
from coproduce.communities.fields import MemberChoiceField
from coproduce.communities.models import Membership
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


class WhoForm(forms.Form):
    who = MemberChoiceField(label="Who")

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.select_related("profile").filter(community=community)
        self.fields["who"].queryset = members.order_by("profile__display_name")


@pytest.fixture
def town():
    town = CommunityFactory()
    for name in ("Ann Jones", "Bob Evans", "Bob Price", "Carys Lloyd"):
        MembershipFactory(community=town, user=None, profile__display_name=name)
    return town


@pytest.fixture
def big_town(town, monkeypatch):
    """Too many people to list (the limit, lowered to keep the test fast)."""
    monkeypatch.setattr(fields, "LISTED_MOST", 3)
    return town


def named(name):
    return Membership.objects.get(profile__display_name=name)


def test_a_small_community_is_a_list_of_names(town, django_assert_num_queries):
    form = WhoForm(community=town)
    with django_assert_num_queries(1):
        html = str(form["who"])
    assert html.startswith("<select") and "Bob Price" in html
    chosen = WhoForm({"who": str(named("Carys Lloyd").pk)}, community=town)
    assert chosen.is_valid() and chosen.cleaned_data["who"] == named("Carys Lloyd")


def test_someone_outside_the_list_is_refused(town):
    elsewhere = MembershipFactory(user=None)
    for value in (str(elsewhere.pk), "99999999999999999999999"):
        form = WhoForm({"who": value}, community=town)
        assert not form.is_valid()
        assert form.errors["who"] == ["Choose someone from the list."]


def test_a_big_community_asks_for_a_name_and_finds_it(big_town):
    html = str(WhoForm(community=big_town)["who"])
    assert html.startswith('<input type="text"') and "Ann Jones" not in html
    for typed in ("carys lloyd", "Carys", "  CARYS  LLOYD "):
        form = WhoForm({"who": typed}, community=big_town)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["who"] == named("Carys Lloyd")
    # An address that names someone (?to=12) shows their name in the box.
    shown = str(WhoForm(initial={"who": named("Ann Jones").pk}, community=big_town)["who"])
    assert 'value="Ann Jones"' in shown


def test_a_name_that_fits_several_people_lists_just_them(big_town):
    form = WhoForm({"who": "Bob"}, community=big_town)
    assert not form.is_valid()
    assert form.errors["who"] == ["More than one person is called “Bob”. Choose one from the list."]
    html = str(form["who"])
    assert html.startswith("<select") and "Bob Evans" in html and "Bob Price" in html
    assert "Ann Jones" not in html
    again = WhoForm({"who": str(named("Bob Price").pk)}, community=big_town)
    assert again.is_valid() and again.cleaned_data["who"] == named("Bob Price")


def test_a_name_nobody_has_says_so(big_town):
    form = WhoForm({"who": "Dafydd"}, community=big_town)
    assert not form.is_valid()
    assert form.errors["who"] == [
        "We couldn't find anyone called “Dafydd” here. Check the spelling."
    ]
