"""Generated files (exports) through Django's storage API.

Web and worker may run on different machines, so a file one writes must be
read by the other through shared storage: a local directory by default
(`EXPORT_ROOT`, for one machine or a shared volume), S3-compatible object
storage when `S3_BUCKET` is set (config/settings/base.py builds the
`exports` entry of `STORAGES`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property

EXPORTS = "exports"


class ExportFileSystemStorage(FileSystemStorage):
    """A directory of generated files at `EXPORT_ROOT` (read when first used,
    and again whenever the setting changes, as `MEDIA_ROOT` is for the default
    storage)."""

    def __init__(self, location=None, **kwargs):
        self._export_location = location
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._export_location, settings.EXPORT_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "EXPORT_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def export_storage() -> Storage:
    """The storage that holds export files (shared by web and worker)."""
    return storages[EXPORTS]


def open_stream(storage: Storage, name: str):
    """A binary file-like object reading `name` from the start, without first
    copying it whole to local disk or memory.

    Object storage (django-storages' S3) would download the whole object into a
    temporary file on `open()`; its body is streamed from the GET instead.
    """
    fh = storage.open(name, "rb")
    obj = getattr(fh, "obj", None)  # an S3 object (boto3 resource): stream its body
    if obj is not None:
        return obj.get()["Body"]
    return fh
