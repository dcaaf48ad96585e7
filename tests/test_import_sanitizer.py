"""Imports that sanitize in a second process (comments.importers.sanitizing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from comments import audit, errors, markup
from comments.extensions import db
from comments.importers import disqus, loading, sanitizing
from comments.models import Comment, ImportedComment
from tests.factories import make_site
from tests.import_helpers import DATA, site_state

LONG = "x" * (markup.MAX_HTML_LENGTH + 1)


def write_export(path: Path, posts: int = 12) -> Path:
    """Write a Disqus export: two threads, replies, one deleted post, one the sanitizer refuses."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">',
    ]
    for t in range(2):
        parts.append(
            f'<thread dsq:id="{100 + t}"><id>article-{t}</id>'
            f"<link>https://news.example/{t}</link><title>Article {t}</title></thread>"
        )
    for p in range(posts):
        parent = f'<parent dsq:id="{1000 + p - 2}"/>' if p >= 2 and p % 3 == 0 else ""
        message = LONG if p == 5 else f"<p>Post <b>{p}</b> 公园 <script>x</script></p>"
        parts.append(
            f'<post dsq:id="{1000 + p}"><message><![CDATA[{message}]]></message>'
            f"<createdAt>2016-01-{1 + p:02d}T10:00:00Z</createdAt>"
            f"<isDeleted>{'true' if p == 7 else 'false'}</isDeleted><isSpam>false</isSpam>"
            f"<author><name>Reader {p % 4}</name><email>r{p % 4}@example.com</email></author>"
            f'<ipAddress>192.0.2.{p}</ipAddress><thread dsq:id="{100 + p % 2}"/>{parent}</post>'
        )
    parts.append("</disqus>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def options(site: str, **extra: Any) -> loading.Options:
    return loading.Options(
        site=site,
        source=disqus.SOURCE,
        file_name="export.xml",
        secret="test-secret",
        actor=audit.Actor(label="cli:test"),
        **extra,
    )


class Workers:
    """Record the sanitizer processes started and the batches sent to them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: list[sanitizing.Worker] = []
        self.sent: list[int] = []
        real_init, real_submit = sanitizing.Worker.__init__, sanitizing.Worker.submit
        workers = self

        def init(worker: sanitizing.Worker) -> None:
            real_init(worker)
            workers.started.append(worker)

        def submit(worker: sanitizing.Worker, items: list[tuple[str, str]]) -> None:
            workers.sent.append(len(items))
            real_submit(worker, items)

        monkeypatch.setattr(sanitizing.Worker, "__init__", init)
        monkeypatch.setattr(sanitizing.Worker, "submit", submit)

    def all_ended(self) -> bool:
        return all(worker.process.returncode is not None for worker in self.started)


def stored(site_slug: str) -> tuple[int, int]:
    """Return how many comments the site has, and how many of them have their origin row."""
    comments = db.session.scalar(select(func.count(Comment.id)))
    origins = db.session.scalar(
        select(func.count(ImportedComment.id)).join(
            Comment, Comment.id == ImportedComment.comment_id
        )
    )
    return int(comments or 0), int(origins or 0)


def test_the_sanitizer_process_stores_what_the_importer_stores(app, tmp_path, monkeypatch):
    export = write_export(tmp_path / "export.xml")
    workers = Workers(monkeypatch)
    make_site(app, "here")
    make_site(app, "there")
    with app.app_context():
        here = disqus.load(export, options("here", batch_size=2, sanitizer_process=False))
        assert not workers.started
        there = disqus.load(export, options("there", batch_size=2, sanitizer_process=True))
    assert len(workers.started) == 1 and workers.all_ended()
    assert here.as_dict() == there.as_dict()
    refused = "comments refused by the sanitizer (The text is longer than 250,000 characters.)"
    assert there.skipped == {refused: 1}
    assert site_state(app, "here") == site_state(app, "there")
    htmls = [row[2] for row in site_state(app, "there") if row[0] == "comment"]
    assert "<p>Post <strong>3</strong> 公园 x</p>" in htmls


def test_a_second_run_sends_nothing_to_sanitize(app, tmp_path, monkeypatch):
    export = write_export(tmp_path / "export.xml")
    make_site(app, "news")
    with app.app_context():
        disqus.load(export, options("news", batch_size=2, sanitizer_process=True))
        workers = Workers(monkeypatch)
        again = disqus.load(export, options("news", batch_size=2, sanitizer_process=True))
    assert again.imported == 0 and again.already_imported == 11
    # Only the post refused last time goes again (in process, it would be rendered again too).
    assert workers.sent == [1]
    assert len(workers.started) == 1 and workers.all_ended()


def test_a_small_import_starts_no_process(app, monkeypatch):
    workers = Workers(monkeypatch)
    make_site(app, "news")
    with app.app_context():
        summary = disqus.load(DATA / "disqus.xml", options("news"))
    assert summary.imported == 8
    assert not workers.started


def test_a_sanitizer_that_dies_fails_the_import_and_the_next_run_finishes_it(
    app, tmp_path, monkeypatch
):
    export = write_export(tmp_path / "export.xml", posts=20)
    make_site(app, "clean")
    make_site(app, "news")
    with app.app_context():
        disqus.load(export, options("clean", batch_size=3, sanitizer_process=False))
    workers = Workers(monkeypatch)
    real_result = sanitizing.Worker.result
    calls = 0

    def dying(worker: sanitizing.Worker) -> list[sanitizing.Rendered]:
        nonlocal calls
        calls += 1
        if calls == 3:
            worker.process.kill()
            worker.process.wait()
        return real_result(worker)

    monkeypatch.setattr(sanitizing.Worker, "result", dying)
    with app.app_context():
        with pytest.raises(errors.ImportFailed, match="sanitizer process stopped"):
            disqus.load(export, options("news", batch_size=3, sanitizer_process=True))
        assert workers.all_ended()
        comments, origins = stored("news")
        assert 0 < comments == origins  # whole batches only, each comment with its origin
    monkeypatch.setattr(sanitizing.Worker, "result", real_result)
    with app.app_context():
        rest = disqus.load(export, options("news", batch_size=3, sanitizer_process=True))
    assert rest.already_imported > 0
    assert site_state(app, "news") == site_state(app, "clean")


def test_an_error_in_the_sanitizer_is_an_import_failure(app, tmp_path, monkeypatch):
    export = write_export(tmp_path / "export.xml")
    make_site(app, "news")
    monkeypatch.setattr(
        sanitizing.Worker,
        "result",
        lambda worker: (_ for _ in ()).throw(
            errors.ImportFailed("Sanitizing the comments failed (boom).", code="sanitizer_failed")
        ),
    )
    workers = Workers(monkeypatch)
    with app.app_context():
        with pytest.raises(errors.ImportFailed) as failure:
            disqus.load(export, options("news", batch_size=4, sanitizer_process=True))
        assert stored("news") == (0, 0)
    assert failure.value.status == 422
    assert workers.all_ended()


def test_the_child_reports_a_failing_batch(tmp_path):
    worker = sanitizing.Worker()
    try:
        worker.submit([("<p>fine</p>", markup.HTML), (LONG, markup.HTML)])
        assert worker.result() == [
            ("<p>fine</p>", None),
            (None, "The text is longer than 250,000 characters."),
        ]
        assert worker._stdin is not None
        worker._stdin.write(b'{"not": "a batch"}\n')
        worker._stdin.flush()
        worker.pending += 1
        with pytest.raises(errors.ImportFailed, match="Sanitizing the comments failed"):
            worker.result()
    finally:
        worker.close()
    assert worker.process.returncode == 0


def test_an_interrupted_import_ends_its_sanitizer(app, tmp_path, monkeypatch):
    export = write_export(tmp_path / "export.xml", posts=20)
    make_site(app, "news")
    workers = Workers(monkeypatch)

    def interrupted() -> Any:
        for n, record in enumerate(disqus.parse(export)):
            if n == 12:
                raise KeyboardInterrupt
            yield record

    with app.app_context():
        with pytest.raises(KeyboardInterrupt):
            loading.load(interrupted(), options("news", batch_size=3, sanitizer_process=True))
        comments, origins = stored("news")
        assert comments == origins
    assert len(workers.started) == 1 and workers.all_ended()


def test_no_interpreter_to_start_means_sanitizing_in_process(app, tmp_path, monkeypatch):
    export = write_export(tmp_path / "export.xml")
    make_site(app, "news")
    monkeypatch.setattr(sanitizing.sys, "executable", str(tmp_path / "no-python"))
    with app.app_context():
        summary = disqus.load(export, options("news", batch_size=2, sanitizer_process=True))
    assert summary.imported == 11
