"""Hostile, malformed and interrupted imports: fail fast, store nothing, or resume cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from comments.extensions import db
from comments.models import Comment, Thread
from tests.factories import make_site
from tests.import_helpers import DATA, site_state

HEAD = '<?xml version="1.0"?>\n'
BILLION_LAUGHS = (
    HEAD + '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    '<disqus xmlns="http://disqus.com"><post><message>&lol3;</message></post></disqus>'
)
EXTERNAL = (
    HEAD + '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<disqus xmlns="http://disqus.com"><post><message>&xxe;</message></post></disqus>'
)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (BILLION_LAUGHS, "line 2: DTDs, entity declarations and external references are refused"),
        (EXTERNAL, "line 2: DTDs, entity declarations and external references are refused"),
        (HEAD + "<disqus>\n<thread>\n</disqus>", "line 4: not well-formed XML"),
    ],
    ids=["billion-laughs", "external-entity", "malformed"],
)
def test_hostile_or_malformed_file_is_refused_with_its_line_and_stores_nothing(
    app, runner, site, tmp_path, content, words
):
    path = tmp_path / "export.xml"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import", "disqus", str(path), "--site", "news"])
    assert result.exit_code != 0
    assert words in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_truncated_export_stores_nothing(app, runner, site, tmp_path):
    whole = (DATA / "disqus.xml").read_text(encoding="utf-8")
    path = tmp_path / "cut.xml"
    path.write_text(whole[: whole.index('<post dsq:id="2006">') + 40], encoding="utf-8")
    result = runner.invoke(args=["import", "disqus", str(path), "--site", "news"])
    assert result.exit_code != 0 and "cut.xml: line" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_one_huge_element_fails_fast_with_bounded_memory(tmp_path):
    path = tmp_path / "huge.xml"
    with open(path, "wb") as out:
        out.write(b'<?xml version="1.0"?><disqus xmlns="http://disqus.com"><post><message>')
        chunk = b"A" * (1024 * 1024)
        for _ in range(100):
            out.write(chunk)
        out.write(b"</message></post></disqus>")
    script = (
        "import re, time\n"
        "from comments import errors\n"
        "from comments.importers import disqus\n"
        "start = time.monotonic()\n"
        "try:\n"
        f"    disqus.count({str(path)!r})\n"
        "except errors.ImportFailed as exc:\n"
        "    print(exc.detail)\n"
        # VmHWM: this process's own peak (ru_maxrss would carry pytest's over exec).
        "status = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', status)[1]) // 1024)\n"
        "print(time.monotonic() - start)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
        check=True,
    )
    message, peak_mb, seconds = done.stdout.strip().splitlines()
    assert "an element longer than 8 MB; refused" in message
    assert int(peak_mb) < 150
    assert float(seconds) < 10


def _export(path: Path, posts: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com" ')
        out.write('xmlns:dsq="http://disqus.com/disqus-internals">\n')
        for t in range(20):
            out.write(
                f'<thread dsq:id="t{t}"><id>story-{t}</id><link>https://news.example/{t}</link>'
                f"<title>Story {t}</title><isClosed>false</isClosed><isDeleted>false</isDeleted>"
                "</thread>\n"
            )
        for p in range(posts):
            parent = f'<parent dsq:id="p{p - 20}"/>' if p >= 20 and p % 3 == 0 else ""
            out.write(
                f'<post dsq:id="p{p}"><message><![CDATA[<p>Comment {p}</p>]]></message>'
                f"<createdAt>2020-01-01T00:{p // 60 % 60:02d}:{p % 60:02d}Z</createdAt>"
                f"<isDeleted>{'true' if p % 17 == 0 else 'false'}</isDeleted><isSpam>false</isSpam>"
                f"<author><name>R{p % 50}</name><email>r{p % 50}@example.com</email></author>"
                f'<ipAddress>192.0.2.{p % 200}</ipAddress><thread dsq:id="t{p % 20}"/>{parent}'
                "</post>\n"
            )
        out.write("</disqus>\n")


def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM comments")).scalar() or 0)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_killed_import_is_finished_by_the_next_run(app, runner, database_url, tmp_path):
    make_site(app, "killed")
    make_site(app, "clean")
    path = tmp_path / "big.xml"
    _export(path, 4000)
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_SECRET_KEY": "test-secret",
        "COMMENTS_INSTANCE_PATH": str(tmp_path / "instance"),
        "COMMENTS_RATELIMIT_ENABLED": "false",
    }
    command = [sys.executable, "-m", "comments.cli", "import", "disqus", str(path), "--site"]
    root = Path(__file__).parent.parent
    child = subprocess.Popen(
        [*command, "killed"],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _count(database_url) < 1000 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    assert child.poll() is None, "the import ended before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert 0 < _count(database_url) < 4000
    for site in ("killed", "clean"):
        subprocess.run([*command, site], env=env, cwd=root, check=True, capture_output=True)
    killed, clean = site_state(app, "killed"), site_state(app, "clean")
    assert len([row for row in clean if row[0] == "comment"]) == 4000
    assert killed == clean
