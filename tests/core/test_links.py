from django.template import Context, Template
from django.urls import clear_script_prefix, set_script_prefix

NAMES = ["home", "account_logout", "search:usage", "organisation:api-keys", "admin:index"]


def _render(name: str, tag: str) -> str:
    return Template(f"{{% load links %}}{{% {tag} '{name}' %}}").render(Context())


def test_a_link_is_what_the_url_tag_gives():
    for name in NAMES:
        assert _render(name, "link") == _render(name, "url")


def test_a_link_follows_the_script_prefix():
    try:
        set_script_prefix("/portal/")
        assert _render("home", "link") == _render("home", "url") == "/portal/"
    finally:
        clear_script_prefix()
    assert _render("home", "link") == "/"
