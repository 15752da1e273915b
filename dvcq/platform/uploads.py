"""Uploads written once, straight into storage (issue 9).

By default Werkzeug spools each multipart file part to a temporary file, which the service then reads again to hash
it and copy it into storage: two passes over the bytes and a second disk. A view that receives large files can opt
in with `stream_to_storage(endpoint, allowed=…, limit=…)`; for a POST to it, when the storage backend can stage
files (the local disk; S3 stays on the spooled path) and `allowed()` says this requester may upload at all, each
file part is written as it is parsed into a staged file in the storage itself (`LocalStorage.stage`): counted,
hashed (SHA-256) and its first bytes kept on the way. The request's `files` then hold a FileStorage whose stream is
that `StagedFile`; the service checks it and `commit`s it (fsync + atomic rename), or discards it.

A staged file is never visible as a stored key: on Linux it has no name at all until committed (O_TMPFILE, so even a
worker killed mid-upload leaves nothing), elsewhere a hidden `.tmp-` name that `keys()` skips. Whatever happens — a
refused file, a failed check, CSRF refusing the post, the client dropping the connection half way, a body over
MAX_CONTENT_LENGTH — the staged file is removed when the request ends (`UploadRequest.close`), unless it was
committed.

The parsing is Werkzeug's (`MultipartDecoder`: the part headers, the fields, every boundary decision); only the
bulk of a file part's data skips the decoder's buffer: it is read 1 MiB at a time into one reused buffer and written
from it, and as soon as the boundary's bytes (`--boundary`) appear the rest is handed back to the decoder, which
decides whether it is the real end of the part (a look-alike in the data is just more data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Request, current_app
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData, State

from dvcq.platform.storage import LocalStorage, StagedFile, get_storage

READ_SIZE = 1024 * 1024  # gunicorn hands the body over in reads of up to 1 MiB; smaller reads cost copies there
HEAD_SIZE = 8192


@dataclass(frozen=True)
class StreamedUpload:
    allowed: Callable[[], bool]
    limit: Callable[[], int]


_endpoints: dict[str, StreamedUpload] = {}


def stream_to_storage(endpoint: str, *, allowed: Callable[[], bool], limit: Callable[[], int]) -> None:
    """Posts to `endpoint` write their file parts straight into storage when `allowed()` (checked once the request's
    user is known, before any byte is written); `limit()` is the largest file in bytes (more is counted, not kept)."""
    _endpoints[endpoint] = StreamedUpload(allowed, limit)


class UploadRequest(Request):
    """The app's request class: Flask's, plus file parts staged into storage for the opted-in endpoints."""

    def _streamed(self) -> tuple[StreamedUpload, LocalStorage] | None:
        if "_dvcq_streamed" not in self.__dict__:
            found = None
            spec = _endpoints.get(self.endpoint or "")
            if spec is not None and self.method == "POST":
                storage = get_storage(current_app)
                if isinstance(storage, LocalStorage) and spec.allowed():
                    found = (spec, storage)
            self.__dict__["_dvcq_streamed"] = found
        return self.__dict__["_dvcq_streamed"]

    @property
    def staged_files(self) -> list[StagedFile]:
        return self.__dict__.setdefault("_dvcq_staged", [])

    def make_form_data_parser(self) -> FormDataParser:
        if self._streamed() is None:
            return super().make_form_data_parser()
        return _StagingFormDataParser(
            stream_factory=self._get_file_stream,
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
        )

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        streamed = self._streamed()
        if streamed is None:
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        spec, storage = streamed
        staged = storage.stage(limit=spec.limit(), head_size=HEAD_SIZE)
        self.staged_files.append(staged)
        return staged

    def close(self) -> None:
        try:
            super().close()
        finally:
            for staged in self.__dict__.get("_dvcq_staged", ()):
                staged.discard()  # a no-op for a committed file


class _StagingFormDataParser(FormDataParser):
    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = _StagingMultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class _StagingMultiPartParser(MultiPartParser):
    """Werkzeug 3.1's MultiPartParser.parse, plus the fast path for a file part's data (`_pass_file_data`)."""

    def parse(self, stream, boundary, content_length):
        decoder = MultipartDecoder(
            boundary, max_form_memory_size=self.max_form_memory_size, max_parts=self.max_form_parts
        )
        marker = b"--" + boundary
        buffer = bytearray(READ_SIZE)
        fields, files = [], []
        current_part = container = _write = None
        field_size: int | None = None
        while True:
            data = stream.read(self.buffer_size)
            decoder.receive_data(data or None)
            event = decoder.next_event()
            while not isinstance(event, (Epilogue, NeedData)):
                if isinstance(event, Field):
                    current_part, field_size, container = event, 0, []
                    _write = container.append
                elif isinstance(event, File):
                    current_part, field_size = event, None
                    container = self.start_file_streaming(event, content_length)
                    _write = container.write
                elif isinstance(event, Data):
                    if self.max_form_memory_size is not None and field_size is not None:
                        field_size += len(event.data)
                        if field_size > self.max_form_memory_size:
                            raise RequestEntityTooLarge()
                    _write(event.data)
                    if event.more_data and field_size is None and decoder.state == State.DATA:
                        _pass_file_data(decoder, stream, _write, marker, buffer)
                    elif not event.more_data:
                        if isinstance(current_part, Field):
                            value = b"".join(container).decode(self.get_part_charset(current_part.headers), "replace")
                            fields.append((current_part.name, value))
                        else:
                            container.seek(0)
                            files.append(
                                (
                                    current_part.name,
                                    FileStorage(
                                        container,
                                        current_part.filename,
                                        current_part.name,
                                        headers=current_part.headers,
                                    ),
                                )
                            )
                event = decoder.next_event()
            if not data:
                break
        return self.cls(fields), self.cls(files)


def _pass_file_data(decoder: MultipartDecoder, stream, write, marker: bytes, buffer: bytearray) -> None:
    """Inside a file part: write the data from `stream` until `marker` (b"--" + boundary) shows up, then hand the
    rest — from two bytes before the marker, where the line break that must precede a boundary is — back to the
    decoder's buffer. The last len(marker) + 2 bytes are always held back, so a marker split across two reads is
    found too. At the end of the stream everything held back goes back to the decoder, which then reports the
    truncated body as Werkzeug always does."""
    keep = len(marker) + 2
    carry = bytes(decoder.buffer)  # what the decoder held back: it may be the start of a boundary
    del decoder.buffer[:]
    view = memoryview(buffer)
    readinto = getattr(stream, "readinto", None)
    while True:
        if readinto is not None:
            n = readinto(buffer) or 0
            chunk = view[:n]
        else:
            chunk = memoryview(stream.read(len(buffer)) or b"")
            n = len(chunk)
        if not n:
            decoder.buffer += carry
            return
        found = (carry + bytes(chunk[:keep])).find(marker)  # a marker that starts in `carry`
        if found == -1:
            found = buffer.find(marker, 0, n) if readinto is not None else bytes(chunk).find(marker)
            if found != -1:
                found += len(carry)
        if found != -1:
            cut = max(0, found - 2)
            if cut <= len(carry):
                if cut:
                    write(carry[:cut])
                decoder.buffer += carry[cut:]
                decoder.buffer += chunk
            else:
                if carry:
                    write(carry)
                write(chunk[: cut - len(carry)])
                decoder.buffer += chunk[cut - len(carry) :]
            return
        if n >= keep:
            if carry:
                write(carry)
            write(chunk[: n - keep])
            carry = bytes(chunk[n - keep :])
        else:
            joined = carry + bytes(chunk)
            if len(joined) > keep:
                write(joined[:-keep])
            carry = joined[-keep:]
