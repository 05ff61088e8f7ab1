"""The production storage's kept URLs are the manifest storage's URLs."""

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from core.staticfiles import StaticFilesStorage


def test_urls_are_the_manifest_storages_and_a_missing_name_still_raises(tmp_path, settings):
    settings.STATIC_URL = "/static/"
    manifest = {
        "paths": {"css/ecoes.css": "css/ecoes.0123456789ab.css", "js/portal.js": "js/portal.fe.js"},
        "version": "1.1",
        "hash": "x",
    }
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    ours = StaticFilesStorage(location=tmp_path)
    theirs = CompressedManifestStaticFilesStorage(location=tmp_path)
    for _ in range(2):  # worked out, then kept
        for name in ["css/ecoes.css", "js/portal.js"]:
            assert ours.url(name) == theirs.url(name)
    assert ours.url("css/ecoes.css") == "/static/css/ecoes.0123456789ab.css"
    assert ours.url("js/portal.js") == "/static/js/portal.fe.js"
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            ours.url("css/missing.css")
