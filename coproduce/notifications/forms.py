"""The form on the email choices page. It validates; services save."""

from __future__ import annotations

from django import forms

from coproduce.notifications.models import TOPIC_FIELDS, NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = list(TOPIC_FIELDS.values())

    def topics_on(self) -> list[str]:
        return [topic for topic, field in TOPIC_FIELDS.items() if self.cleaned_data.get(field)]
