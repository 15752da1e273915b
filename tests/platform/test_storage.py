"""The storage interface: local disk (atomic, no temp file left, keys cannot escape) and S3 against moto's server."""

import hashlib
import io
import os
import socket
import uuid

import pytest

from dvcq.platform.storage import LocalStorage, S3Storage, StorageError, from_url, get_storage, new_key


class Breaks(io.RawIOBase):
    """A stream that delivers `good` bytes and then fails, like a connection dropped half way."""

    def __init__(self, good: int):
        self.left = good

    def readable(self):
        return True

    def read(self, n=-1):
        if self.left <= 0:
            raise ConnectionResetError("kết nối bị ngắt")
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        return b"x" * n


def files_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_local_round_trip_returns_size_and_sha256(tmp_path):
    storage = LocalStorage(tmp_path)
    data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks and a tail
    key = new_key()
    size, digest = storage.save(io.BytesIO(data), key)
    assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())
    assert storage.exists(key)
    with storage.open(key) as stream:
        assert stream.read() == data
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # deleting twice is fine


def test_keys_are_random_and_spread_over_directories():
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        first, second, name = key.split("/")
        assert len(name) == 32 and name.startswith(first + second)


def test_a_failed_save_leaves_no_file_and_no_temp_file(tmp_path):
    storage = LocalStorage(tmp_path)
    key = new_key()
    with pytest.raises(ConnectionResetError):
        storage.save(Breaks(2 * 1024 * 1024 + 5), key)
    assert not storage.exists(key)
    assert files_under(tmp_path) == []


def test_a_successful_save_leaves_no_temp_file(tmp_path):
    storage = LocalStorage(tmp_path)
    keys = [new_key() for _ in range(5)]
    for key in keys:
        storage.save(io.BytesIO(b"%PDF-1.4 thu"), key)
    assert files_under(tmp_path) == sorted(keys)


def test_the_partial_file_is_never_visible_under_its_key(tmp_path):
    storage = LocalStorage(tmp_path)
    key = new_key()
    seen = []

    class Watching(io.BytesIO):
        def read(self, n=-1):
            seen.append(storage.exists(key))
            return super().read(n)

    storage.save(Watching(b"a" * (3 * 1024 * 1024)), key)
    assert seen and not any(seen)
    assert storage.exists(key)


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "a//b", ".hidden", "a/.tmp-x/..", "", "a\\b"])
def test_keys_that_could_escape_the_root_are_refused(tmp_path, key):
    storage = LocalStorage(tmp_path / "root")
    with pytest.raises(StorageError):
        storage.save(io.BytesIO(b"x"), key)
    assert not (tmp_path / "x").exists()


def test_storage_url_picks_the_backend(app, tmp_path):
    assert isinstance(from_url(f"file://{tmp_path}"), LocalStorage)
    assert from_url(f"file://{tmp_path}").root == tmp_path.resolve()
    s3 = from_url("s3://kho/tai-lieu?endpoint=http://127.0.0.1:9&region=ap-southeast-1")
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.prefix) == ("kho", "tai-lieu")
    assert s3.object_key("ab/cd/ef") == "tai-lieu/ab/cd/ef"
    with pytest.raises(StorageError):
        from_url("ftp://example/x")
    app.config["STORAGE_URL"] = f"file://{tmp_path / 'kho'}"
    assert get_storage(app).root == (tmp_path / "kho").resolve()
    assert get_storage(app) is get_storage(app)


def test_the_default_storage_is_under_instance_evidence(tmp_path):
    from dvcq.platform import settings

    config = settings.load(tmp_path, {})
    assert config["STORAGE_URL"] == f"file://{tmp_path / 'evidence'}"
    assert isinstance(from_url(config["STORAGE_URL"]), LocalStorage)


# ---- S3 against a real HTTP server (moto in server mode) ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(
        AWS_ACCESS_KEY_ID="kiemthu", AWS_SECRET_ACCESS_KEY="kiemthu-bi-mat", AWS_DEFAULT_REGION="us-east-1"
    )
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def s3(s3_endpoint):
    bucket = f"dvcq-{uuid.uuid4().hex[:8]}"
    storage = from_url(f"s3://{bucket}/tai-lieu?endpoint={s3_endpoint}&region=us-east-1")
    storage.client.create_bucket(Bucket=bucket)
    return storage


def test_s3_round_trip_over_http(s3):
    data = "Báo cáo kết quả công tác dân vận".encode() * 1000
    key = new_key()
    size, digest = s3.save(io.BytesIO(data), key)
    assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())
    assert s3.exists(key)
    stream = s3.open(key)
    assert stream.read() == data
    stream.close()
    listed = s3.client.list_objects_v2(Bucket=s3.bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"tai-lieu/{key}"]
    s3.delete(key)
    assert not s3.exists(key)
    with pytest.raises(FileNotFoundError):
        s3.open(key)


def test_s3_streams_a_large_file_in_parts(s3):
    data = os.urandom(2 * S3Storage.PART_SIZE + 12345)
    key = new_key()
    size, digest = s3.save(io.BytesIO(data), key)
    assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())
    head = s3.client.head_object(Bucket=s3.bucket, Key=s3.object_key(key))
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # a multipart object of three parts
    body = s3.open(key)
    assert hashlib.sha256(body.read()).hexdigest() == digest
    body.close()


def test_s3_save_cut_off_half_way_leaves_no_object_and_no_pending_upload(s3):
    key = new_key()
    with pytest.raises(ConnectionResetError):
        s3.save(Breaks(S3Storage.PART_SIZE + 100), key)
    assert not s3.exists(key)
    assert s3.client.list_objects_v2(Bucket=s3.bucket).get("KeyCount", 0) == 0
    assert s3.client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", []) == []
