"""The detail page's rows, built in Python (search_tags.detail_rows), held to the
reference template they replace (templates/search/_detail_rows.html)."""

from datetime import date

import pytest
from django.template.loader import render_to_string

from search.presentation import Row, detail_sections
from search.queries import metering_point_detail
from search.templatetags.search_tags import detail_rows
from tests.factories import MeterFactory, RelatedMpanFactory, point_with_every_field

AWKWARD = [
    Row("Address", '1 <b>"Rose" & Crown</b>, Bath', item=None),
    Row("UPRN", "", meaning="", effective_from=None),
    Row("Profile class", "01", "Domestic unrestricted", date(2019, 6, 28)),
    Row("Script", "<script>alert('x')</script>", "a & b", date(2001, 1, 2)),
    Row("Empty value with a date", "", "", date(1999, 12, 31)),
]


def _reference(rows) -> str:
    return render_to_string("search/_detail_rows.html", {"rows": rows}).strip()


def test_awkward_rows_render_as_the_reference_template_renders_them():
    built = detail_rows(AWKWARD)
    assert built == _reference(AWKWARD)
    assert "&lt;script&gt;" in built and "<b>" not in built
    assert "<td>—</td>" in built
    assert 'from <time datetime="1999-12-31">31/12/1999</time>' in built


def test_no_rows_render_nothing():
    assert detail_rows([]) == _reference([]) == ""


@pytest.mark.django_db
def test_every_section_of_a_full_point_renders_as_the_reference_template_renders_it():
    point = point_with_every_field()
    MeterFactory(metering_point=point, serial="Z<1>&", installation_date=date(2020, 2, 1))
    RelatedMpanFactory(metering_point=point, effective_date=date(2019, 6, 29))
    sections = detail_sections(metering_point_detail(point.mpan_core))
    assert sum(len(section.rows) for section in sections) >= 15
    for section in sections:
        assert detail_rows(section.rows) == _reference(section.rows)
