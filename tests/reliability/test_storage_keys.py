"""Storage.keys(), which backups use: every stored file, never a file still being written, on disk and on S3."""

from __future__ import annotations

import io

from dvcq.platform.storage import LocalStorage, new_key
from tests.platform.test_storage import s3, s3_endpoint  # noqa: F401 — moto's S3 server fixtures


def test_local_keys_list_every_stored_file_and_no_temporary_one(tmp_path):
    storage = LocalStorage(tmp_path)
    assert storage.keys() == []
    keys = sorted([new_key(), f"decisions/{new_key()}.docx", new_key()])
    for key in keys:
        storage.save(io.BytesIO(b"noi dung"), key)
    (storage.path(keys[0]).parent / ".tmp-dang-ghi").write_bytes(b"ghi do")  # a save in progress
    assert storage.keys() == keys
    storage.delete(keys[1])
    assert storage.keys() == [keys[0], keys[2]]


def test_s3_keys_list_the_bucket_prefix_only_without_it(s3):  # noqa: F811
    keys = sorted(new_key() for _ in range(3))
    for key in keys:
        s3.save(io.BytesIO(b"noi dung"), key)
    s3.client.put_object(Bucket=s3.bucket, Key="khac/ngoai-tien-to", Body=b"x")  # outside our prefix
    assert s3.keys() == keys
