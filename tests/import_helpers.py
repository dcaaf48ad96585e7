"""Shared by the import and export tests: running the commands and reading what they stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from comments.extensions import db
from comments.models import Author, Comment, ImportedComment, Site, Thread

DATA = Path(__file__).parent / "data" / "imports"


def run_import(runner: Any, fmt: str, path: Path, site: str = "news", *extra: str) -> Any:
    """Run ``comments import`` and return the result, asserting it succeeded."""
    result = runner.invoke(args=["import", fmt, str(path), "--site", site, *extra])
    assert result.exit_code == 0, result.output
    return result


def by_external(app: Flask, source: str = "disqus", site: str = "news") -> dict[str, Comment]:
    """Return the site's imported comments by their id in the source."""
    with app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.slug == site))
        rows = db.session.execute(
            select(ImportedComment.external_id, Comment)
            .join(Comment, Comment.id == ImportedComment.comment_id)
            .where(ImportedComment.site_id == site_id, ImportedComment.source == source)
        ).all()
        found = {external: comment for external, comment in rows}
        for comment in found.values():
            db.session.expunge(comment)
        return found


def thread_of(app: Flask, key: str, site: str = "news") -> Thread | None:
    """Return the thread ``key`` of the site, detached."""
    with app.app_context():
        thread = db.session.scalar(
            select(Thread)
            .join(Site, Site.id == Thread.site_id)
            .where(Site.slug == site, Thread.key == key)
        )
        if thread is not None:
            db.session.expunge(thread)
        return thread


def site_state(app: Flask, site: str) -> list[tuple[Any, ...]]:
    """Return what readers and moderators would see of a site, independent of row ids.

    Threads with their key, state and counts; comments with their thread,
    text as shown, status, dates, author, and the path of their ancestors' texts.
    """
    with app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.slug == site))
        threads = {
            t.id: t for t in db.session.scalars(select(Thread).where(Thread.site_id == site_id))
        }
        comments = {
            c.id: c
            for c in db.session.scalars(
                select(Comment).where(Comment.thread_id.in_(list(threads)))
            ).unique()
        }
        authors = {a.id: a for a in db.session.scalars(select(Author))}

        def path(comment: Comment) -> tuple[str, ...]:
            chain = []
            while comment.parent_id is not None:
                comment = comments[comment.parent_id]
                chain.append(comment.html)
            return tuple(chain)

        state: list[tuple[Any, ...]] = [
            (
                "thread",
                t.key,
                t.url,
                t.title,
                t.closed,
                t.moderation,
                t.comment_count,
                t.last_comment_at,
            )
            for t in threads.values()
        ]
        for c in comments.values():
            author = authors[c.author_id]
            state.append(
                (
                    "comment",
                    threads[c.thread_id].key,
                    c.html,
                    str(c.status),
                    c.created_at,
                    c.author_name,
                    author.kind,
                    author.identity,
                    path(c),
                    c.depth,
                    c.reply_count,
                    c.descendant_count,
                )
            )
        return sorted(state, key=repr)
