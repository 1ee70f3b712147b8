"""get_file, locate and data_dir against an HTTP server on 127.0.0.1 (no test reaches the network)."""

import hashlib
import http.server
import os
import socket
import sys
import threading

import pytest

from zerograd.data import download
from zerograd.data.download import DownloadError, data_dir, get_file, locate

BODY = b"zerograd test payload\n" * 500
SHA = hashlib.sha256(BODY).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves /good/<name> fully, /short/<name> with a Content-Length larger than the body,
    /nolength/<name> without a Content-Length, and 404 for anything else."""

    protocol_version = "HTTP/1.0"  # the server closes the connection after each response
    requests: list = []

    def do_GET(self):
        self.requests.append(self.path)
        kind = self.path.split("/")[1]
        if kind not in ("good", "short", "nolength"):
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        if kind != "nolength":
            extra = 1000 if kind == "short" else 0
            self.send_header("Content-Length", str(len(BODY) + extra))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def running_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def server(running_server):
    """The server's base URL and the list of paths requested during this test."""
    Handler.requests = []
    return running_server, Handler.requests


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty data directory in $ZEROGRAD_DATA and a HOME of its own."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("ZEROGRAD_DATA", str(directory))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return directory


def everything_in(directory):
    if not directory.exists():
        return []
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


# -- data_dir ------------------------------------------------------------------------------------

def test_data_dir_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ZEROGRAD_DATA", str(tmp_path / "here"))
    assert data_dir() == tmp_path / "here"
    monkeypatch.delenv("ZEROGRAD_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".zerograd" / "datasets"
    monkeypatch.setenv("ZEROGRAD_DATA", "")  # empty counts as unset
    assert data_dir() == tmp_path / "home" / ".zerograd" / "datasets"


# -- get_file ------------------------------------------------------------------------------------

def test_good_download_lands_verified(server, cache):
    base, requests = server
    path = get_file(f"{base}/good/data.bin", sha256=SHA, progress=False)
    assert path == str(cache / "data.bin")
    with open(path, "rb") as f:
        assert f.read() == BODY
    assert everything_in(cache) == ["data.bin"]  # no temporary file left
    assert requests == ["/good/data.bin"]


def test_cached_file_is_not_downloaded_again(server, cache):
    base, requests = server
    first = get_file(f"{base}/good/data.bin", progress=False)
    second = get_file(f"{base}/good/data.bin", progress=False)
    assert first == second and len(requests) == 1


def test_file_name_overrides_the_url_and_may_name_a_subfolder(server, cache):
    base, _ = server
    path = get_file(f"{base}/good/x?version=2", file_name="sets/renamed.bin", progress=False)
    assert path == str(cache / "sets" / "renamed.bin")
    assert everything_in(cache) == ["sets", "sets/renamed.bin"]


def test_file_name_comes_from_the_url_path_unquoted(server, cache):
    base, _ = server
    path = get_file(f"{base}/good/my%20file.gz?x=1", progress=False)
    assert os.path.basename(path) == "my file.gz"


def test_checksum_is_case_insensitive(server, cache):
    base, _ = server
    assert os.path.exists(get_file(f"{base}/good/a.bin", sha256=SHA.upper(), progress=False))


# what goes wrong -> (the server's path, the checksum asked for, the error's message; {url} is
# the file's address)
FAILED_DOWNLOADS = {
    "wrong checksum": ("good", "0" * 64, f"checksum mismatch for {{url}}: expected sha256 {'0' * 64}, "
                                         f"got {SHA}"),
    "truncated body": ("short", None, "get_file: (download|downloading) (of )?{url}"),
    "HTTP error": ("missing", None, "get_file: downloading {url} failed: HTTP Error 404"),
}


@pytest.mark.parametrize("failure", list(FAILED_DOWNLOADS))
def test_a_failed_download_says_why_and_leaves_nothing(server, cache, failure):
    folder, sha256, message = FAILED_DOWNLOADS[failure]
    url = f"{server[0]}/{folder}/data.bin"
    with pytest.raises(DownloadError, match=message.format(url=url)):
        get_file(url, sha256=sha256, progress=False)
    assert everything_in(cache) == []


def test_body_without_length_is_accepted_when_the_checksum_matches(server, cache):
    base, _ = server
    path = get_file(f"{base}/nolength/data.bin", sha256=SHA, progress=False)
    assert os.path.getsize(path) == len(BODY)


def test_unreachable_server_names_the_url(cache):
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/data.bin"
    with pytest.raises(DownloadError, match=f"get_file: downloading {url} failed"):
        get_file(url, progress=False)
    assert everything_in(cache) == []


def test_interrupted_download_leaves_nothing(server, cache, monkeypatch):
    class Interrupting:
        def update(self, n):
            raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(download, "progress_bar", lambda total, desc: Interrupting())
    base, _ = server
    with pytest.raises(KeyboardInterrupt):
        get_file(f"{base}/good/data.bin")
    assert everything_in(cache) == []


def test_plain_progress_bar_without_tqdm(server, cache, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `import tqdm` now fails
    base, _ = server
    get_file(f"{base}/good/data.bin")
    err = capsys.readouterr().err
    assert "Downloading data.bin" in err and "100%" in err and "#" * 30 in err


def test_plain_progress_bar_without_length(server, cache, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    base, _ = server
    get_file(f"{base}/nolength/data.bin")
    assert "10.7 KiB" in capsys.readouterr().err


def test_tqdm_progress_bar(server, cache, capsys):
    pytest.importorskip("tqdm", reason="tqdm is the optional `progress` extra")
    base, _ = server
    get_file(f"{base}/good/data.bin")
    assert "data.bin" in capsys.readouterr().err


def test_progress_false_prints_nothing(server, cache, capsys):
    base, _ = server
    get_file(f"{base}/good/data.bin", progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", ["../escape.bin", "/abs/path.bin", "a/../../b"])
def test_file_names_outside_the_data_directory_are_refused(name, cache):
    with pytest.raises(ValueError, match="get_file: file_name must be a relative path inside"):
        get_file("http://127.0.0.1:9/x", file_name=name)


def test_url_without_a_file_name_needs_file_name(cache):
    with pytest.raises(ValueError, match="get_file: cannot take a file name from the URL"):
        get_file("http://127.0.0.1:9/")
    with pytest.raises(TypeError, match="get_file: url must be a non-empty string"):
        get_file(None)
    with pytest.raises(TypeError, match="locate: file_name must be a string, got 3"):
        locate(3)


# -- locate --------------------------------------------------------------------------------------

def test_locate_search_order(tmp_path, monkeypatch, server):
    base, requests = server
    root, env, home, system1, system2 = (tmp_path / n for n in ("root", "env", "home", "s1", "s2"))
    monkeypatch.setenv("ZEROGRAD_DATA", str(env))
    monkeypatch.setenv("HOME", str(home))
    default = home / ".zerograd" / "datasets"
    places = [root, env, default, system1, system2]
    for place in places:
        place.mkdir(parents=True)
        (place / "set.gz").write_bytes(place.name.encode())

    def found():
        return locate("set.gz", url=f"{base}/good/set.gz", root=root, system_dirs=[system1, system2])

    for place in places:  # each hit wins over every place after it
        assert found() == str(place / "set.gz")
        (place / "set.gz").unlink()
    assert requests == []
    assert found() == str(env / "set.gz")  # only then downloaded, into the data directory
    assert requests == ["/good/set.gz"] and (env / "set.gz").read_bytes() == BODY


def test_locate_without_env_downloads_into_the_home_data_directory(tmp_path, monkeypatch, server):
    base, _ = server
    monkeypatch.delenv("ZEROGRAD_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    path = locate("set.gz", url=f"{base}/good/elsewhere.gz", sha256=SHA)
    assert path == str(tmp_path / ".zerograd" / "datasets" / "set.gz")


def test_locate_lists_every_place_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("ZEROGRAD_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(FileNotFoundError) as info:
        locate("set.gz", root=tmp_path / "root", system_dirs=["/usr/share/datasets/none"])
    message = str(info.value)
    for place in (tmp_path / "root", tmp_path / "env", tmp_path / "home/.zerograd/datasets",
                  "/usr/share/datasets/none"):
        assert str(place) + os.sep + "set.gz" in message
    assert "no url to download it from" in message


def test_locate_reports_a_failed_download_with_the_places(cache, server):
    base, _ = server
    with pytest.raises(DownloadError, match=r"locate: 'set.gz' not found in .*cache.*"
                                            r"and get_file: downloading .* failed"):
        locate("set.gz", url=f"{base}/missing/set.gz")
    assert everything_in(cache) == []


def test_locate_ignores_directories_with_the_name(tmp_path, cache):
    (tmp_path / "root" / "set.gz").mkdir(parents=True)
    with pytest.raises(FileNotFoundError):
        locate("set.gz", root=tmp_path / "root")
