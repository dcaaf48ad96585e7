"""``comments import disqus``: the export Disqus mails to site owners."""

from __future__ import annotations

from sqlalchemy import func, select

from comments import thread_keys
from comments.extensions import db
from comments.models import AuditEvent, Author, Comment, ImportedComment, Thread
from tests.factories import make_site, read
from tests.import_helpers import DATA, by_external, run_import, thread_of

DISQUS = DATA / "disqus.xml"


def test_import_keeps_threads_keys_and_states(app, runner, site):
    result = run_import(runner, "disqus", DISQUS)
    assert "threads: 3 new, 0 already there" in result.output
    assert "comments imported: 8 (5 approved, 2 deleted, 1 spam)" in result.output
    assert "1 threads with neither identifier nor link" in result.output
    assert "1 comments whose thread is not in the file" in result.output
    assert "1 comments of skipped threads" in result.output

    article = thread_of(app, "article-1")
    assert article is not None and article.title == "新公园 — Ein Park & more"
    assert article.comment_count == 4 and not article.closed
    # Keyed by its link as the widget keys it, tracking parameters gone.
    story = thread_of(app, thread_keys.default_key("https://news.example/story?id=2"))
    assert story is not None and story.key == "/story?id=2"
    assert story.closed and story.comment_count == 1
    gone = thread_of(app, "gone")
    assert gone is not None and gone.comment_count == 0


def test_import_keeps_tree_dates_and_hidden_states(app, runner, site):
    run_import(runner, "disqus", DISQUS)
    posts = by_external(app)
    assert posts["2002"].parent_id == posts["2003"].id  # parent later in file, and older
    assert posts["2002"].root_id == posts["2003"].id and posts["2002"].depth == 1
    assert posts["2005"].parent_id == posts["2004"].id
    assert str(posts["2005"].status) == "approved"  # its parent is deleted; it is not
    assert str(posts["2004"].status) == "deleted"
    assert str(posts["2006"].status) == "spam"
    assert posts["2007"].parent_id is None  # its parent is not in the file
    assert str(posts["2010"].status) == "deleted"  # its thread was deleted
    assert posts["2003"].created_at.isoformat() == "2015-01-01T09:00:00"
    assert posts["2003"].reply_count == 1
    article = thread_of(app, "article-1")
    assert article.last_comment_at.isoformat() == "2015-01-04T10:00:00"


def test_readers_see_the_sanitized_html_they_saw_on_disqus(app, client, runner, site):
    run_import(runner, "disqus", DISQUS)
    page = read(client, thread="article-1", sort="oldest")
    htmls = [root["html"] for root in page["comments"]]
    ann = next(h for h in htmls if "Hello" in h)
    assert "Hello &amp; 你好 😀 <strong>bold</strong> <em>it</em> 2*3*4" in ann
    assert "<script" not in ann and "javascript:" not in ann
    assert '<a href="https://example.org/r" rel="nofollow ugc noopener noreferrer">link</a>' in ann
    texts = " ".join(htmls) + " ".join(
        r["html"] for root in page["comments"] for r in root["replies"]
    )
    assert "Привет" in texts and "before its parent" in texts
    assert "Buy cheap watches" not in texts and "This was deleted" not in texts
    assert page["comments"][0]["created_at"].startswith("2015-01-01T09:00:00")


def test_public_page_never_shows_addresses_or_emails(app, client, runner, site):
    run_import(runner, "disqus", DISQUS)
    body = client.get("/api/v1/comments?site=news&thread=article-1").get_data(as_text=True)
    for secret in ("203.0.113", "ann@example.com", "Ann@Example.com", "reader@news.example"):
        assert secret not in body
    # Addresses older than the retention period are not even kept: only their keyed hash.
    with app.app_context():
        kept = db.session.scalar(select(func.count()).where(Comment.remote_addr.is_not(None)))
        keyed = db.session.scalar(select(func.count()).where(Comment.client_key.is_not(None)))
    assert kept == 0 and keyed >= 7


def test_sso_users_become_the_sites_sso_authors_and_guests_group_by_email(app, runner, site):
    run_import(runner, "disqus", DISQUS)
    posts = by_external(app)
    with app.app_context():
        irina = db.session.get(Author, posts["2003"].author_id)
        ann = db.session.get(Author, posts["2001"].author_id)
    assert (irina.kind, irina.identity) == ("sso", "user-42")
    assert ann.kind == "guest" and ann.identity.startswith("e:")
    assert "ann" not in ann.identity.lower()


def test_second_import_changes_nothing(app, runner, site):
    run_import(runner, "disqus", DISQUS)
    with app.app_context():
        before = [(t.key, t.version, t.comment_count) for t in db.session.scalars(select(Thread))]
        audits = db.session.scalar(select(func.count(AuditEvent.id)))
    result = run_import(runner, "disqus", DISQUS)
    assert "comments imported: 0" in result.output
    assert "comments already imported: 8" in result.output
    with app.app_context():
        after = [(t.key, t.version, t.comment_count) for t in db.session.scalars(select(Thread))]
        assert db.session.scalar(select(func.count(AuditEvent.id))) == audits
        assert db.session.scalar(select(func.count(Comment.id))) == 8
    assert after == before


def test_a_newer_export_adds_only_what_is_new(app, runner, site, tmp_path):
    run_import(runner, "disqus", DISQUS)
    newer = tmp_path / "newer.xml"
    extra = """<post dsq:id="2011"><id/><message><![CDATA[<p>Late news</p>]]></message>
    <createdAt>2016-01-01T00:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Late</name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="1001"/><parent dsq:id="2001"/></post></disqus>"""
    newer.write_text(DISQUS.read_text(encoding="utf-8").replace("</disqus>", extra), "utf-8")
    result = run_import(runner, "disqus", newer)
    assert "comments imported: 1 (1 approved)" in result.output
    posts = by_external(app)
    assert posts["2011"].parent_id == posts["2001"].id
    assert thread_of(app, "article-1").comment_count == 5


def test_dry_run_stores_nothing(app, runner, site):
    result = run_import(runner, "disqus", DISQUS, "news", "--dry-run")
    assert "dry run: nothing was stored" in result.output
    assert "comments would import: 8" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0
        assert db.session.scalar(select(func.count(Thread.id))) == 0
        assert db.session.scalar(select(func.count(ImportedComment.id))) == 0


def test_import_is_in_the_audit_log(app, runner, site):
    run_import(runner, "disqus", DISQUS)
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "comments.imported")
        )
    assert event.reason.startswith("imported 8 comments from disqus.xml by cli:")
    assert event.after["comments"] == {"approved": 5, "deleted": 2, "spam": 1}


def test_rerender_keeps_imported_html_as_html(app, runner, site):
    run_import(runner, "disqus", DISQUS)
    before = by_external(app)["2001"]
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    after = by_external(app)["2001"]
    assert after.body_format == "html"
    assert after.html == before.html and "2*3*4" in after.html and "<em>3</em>" not in after.html


def test_unknown_site_is_refused(app, runner):
    make_site(app, "other")
    result = runner.invoke(args=["import", "disqus", str(DISQUS), "--site", "nope"])
    assert result.exit_code != 0
    assert "There is no site called 'nope'" in result.output


def test_a_thread_named_twice_is_made_once(app, runner, site, tmp_path):
    head = '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
    thread = '<thread dsq:id="{}"><id>{}</id><link>https://news.example/{}</link></thread>'
    post = (
        '<post dsq:id="{}"><message>hi</message><createdAt>2015-01-01T09:00:00Z</createdAt>'
        '<author><name>A</name></author><thread dsq:id="{}"/></post>'
    )
    export = tmp_path / "twice.xml"
    export.write_text(
        head
        + thread.format(1, "same", "a")
        + thread.format(1, "same", "a")  # the same thread again
        + thread.format(2, "same", "b")  # another Disqus thread, our same key
        + thread.format(3, "other", "c")
        + post.format(11, 1)
        + post.format(12, 2)
        + post.format(13, 3)
        + "</disqus>"
    )
    dry = run_import(runner, "disqus", export, "news", "--dry-run")
    assert "threads: 3 new, 0 already there" in dry.output  # nothing made, so nothing found
    result = run_import(runner, "disqus", export)
    assert "threads: 2 new, 1 already there" in result.output
    same = thread_of(app, "same")
    assert same is not None and same.comment_count == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(Thread.id))) == 2
    again = run_import(runner, "disqus", export)
    assert "threads: 0 new, 3 already there" in again.output


def test_text_that_copy_escapes_is_stored_as_written(app, runner, site, tmp_path):
    message = "tab\there \\N back\\slash \\. line\r\nend &#92;"
    export = tmp_path / "escapes.xml"
    export.write_text(
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><id>escapes</id></thread>'
        f'<post dsq:id="2"><message><![CDATA[{message}]]></message>'
        "<createdAt>2015-01-01T09:00:00Z</createdAt><author><name>A\\B</name></author>"
        '<thread dsq:id="1"/></post></disqus>',
        newline="",
    )
    run_import(runner, "disqus", export)
    comment = by_external(app)["2"]
    assert comment.body == message.replace("\r\n", "\n")  # XML ends lines with \n
    assert comment.author_name == "A\\B"
    assert "tab\there \\N back\\slash" in comment.html
