"""Form fields as the GOV.UK pattern has them (issue 17).

Django 5.2 links a field to its help text, but not to its error messages, and says it is
invalid only for some widgets; this filter gives every widget both, pointing at the ids
that templates/_field.html writes.
"""

from django import template

register = template.Library()


def error_id(field) -> str:
    return f"{field.auto_id}_error"


@register.filter
def accessible(field):
    """The field's widget with aria-invalid and aria-describedby (its error and hint)."""
    described_by = []
    attrs = {}
    if field.errors:
        described_by.append(error_id(field))
        attrs["aria-invalid"] = "true"
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def field_error_id(field) -> str:
    return error_id(field)


@register.filter
def group4(text) -> str:
    """A secret in groups of four characters, easier to read and type ("ABCD EFGH")."""
    text = str(text or "")
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))
