import pathlib

from dtc.layouts_doc import layouts_markdown

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "flows.md"


def test_the_layout_tables_in_docs_flows_md_match_the_flow_table():
    # If this fails: python -m dtc.layouts_doc, and paste its output into docs/flows.md.
    assert layouts_markdown() in DOCS.read_text()


def test_docs_flows_md_says_the_group_ids_are_this_projects_own():
    assert "The group ids and layouts below are this project's own" in DOCS.read_text()
