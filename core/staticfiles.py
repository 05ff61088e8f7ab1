"""The production storage of static files: whitenoise's, with each file's URL worked out
once per process.

`{% static %}` asks the storage for a URL at every use, and the manifest storage then
cleans the name, looks it up in the manifest and quotes the result: about 40 µs a file,
three files on every page (docs/performance.md). The manifest does not change while a
process runs (collectstatic runs before a deploy starts the processes), so the answer
is kept. A name the manifest lacks still raises, every time."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
