"""Read an XML export one record at a time, safely: the only module that imports defusedxml.

Exports are read as a stream: a record element (a Disqus ``post``, a
WordPress ``item``) is handed over once complete and then dropped, so memory
stays flat whatever the file's size. The parser refuses DTDs, entity
declarations and external references (defusedxml), so a "billion laughs" or
an external entity fails at its first line instead of expanding. A single
stretch of more than ``MAX_STRETCH`` bytes without a tag ending (one huge
element) is refused as well, before it is held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLPullParser

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from comments import errors

CHUNK = 64 * 1024
#: The most bytes read without any element ending: far above any real comment.
MAX_STRETCH = 8 * 1024 * 1024


def records(stream: BinaryIO, depth: int, *, name: str = "the file") -> Iterator[Element]:
    """Yield each element ``depth`` levels below the root once it is complete.

    The element is cleared after the consumer is done with it. Raises
    ``errors.ImportFailed`` naming the line for malformed or hostile XML.
    """
    parser = _safe_parser(TreeBuilder())
    pull = XMLPullParser(events=("start", "end"), _parser=parser)
    level = 0
    parents: list[Element] = []
    stretch = 0
    with _refusals(name, parser):
        while True:
            chunk = stream.read(CHUNK)
            if chunk:
                pull.feed(chunk)
            else:
                pull.close()
            stretch += len(chunk)
            events: Any = pull.read_events()  # only start and end: (name, element) pairs
            for event, elem in events:
                stretch = 0
                if event == "start":
                    level += 1
                    if level <= depth:
                        parents.append(elem)
                    continue
                level -= 1
                if level == depth:
                    yield elem
                    parents[-1].clear()  # drop what was read: memory stays flat
                elif level < depth and parents:
                    parents.pop()
            if stretch > MAX_STRETCH:
                raise _too_large(name, parser)
            if not chunk:
                return


class _Counter:
    """A parser target that only counts elements at one depth: no tree, no text kept."""

    def __init__(self, depth: int, names: frozenset[str]) -> None:
        self.depth, self.names = depth, names
        self.level = self.count = 0
        self.moved = False  # whether a tag began or ended since last asked

    def start(self, tag: str, _attrib: dict[str, str]) -> None:
        self.level += 1
        self.moved = True
        if self.level == self.depth + 1 and local(tag) in self.names:
            self.count += 1

    def end(self, _tag: str) -> None:
        self.level -= 1
        self.moved = True

    def close(self) -> int:
        return self.count


def count(stream: BinaryIO, depth: int, names: set[str], *, name: str = "the file") -> int:
    """Count the elements called ``names`` ``depth`` levels below the root, reading the whole file.

    As safe as :func:`records` and far cheaper (nothing is built), so a
    command can check a file is readable and size its progress bar first.
    """
    target = _Counter(depth, frozenset(names))
    parser = _safe_parser(target)
    stretch = 0
    with _refusals(name, parser):
        while chunk := stream.read(CHUNK):
            parser.feed(chunk)
            stretch = 0 if target.moved else stretch + len(chunk)
            target.moved = False
            if stretch > MAX_STRETCH:
                raise _too_large(name, parser)
        return int(parser.close())


def _safe_parser(target: Any) -> DefusedXMLParser:
    """Return a parser that refuses DTDs, entity declarations and external references."""
    return DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )


@contextmanager
def _refusals(name: str, parser: DefusedXMLParser) -> Iterator[None]:
    """Turn the parser's complaints into ``errors.ImportFailed`` naming the file and line."""
    try:
        yield
    except ParseError as exc:
        line = exc.position[0] if exc.position else _line(parser)
        raise errors.ImportFailed(
            f"{name}: line {line}: not well-formed XML ({exc}).", code="malformed"
        ) from exc
    except DefusedXmlException as exc:
        raise errors.ImportFailed(
            f"{name}: line {_line(parser)}: DTDs, entity declarations and external "
            f"references are refused ({type(exc).__name__}).",
            code="hostile_xml",
        ) from exc


def _too_large(name: str, parser: DefusedXMLParser) -> errors.ImportFailed:
    return errors.ImportFailed(
        f"{name}: line {_line(parser)}: an element longer than "
        f"{MAX_STRETCH // (1024 * 1024)} MB; refused.",
        code="element_too_large",
    )


def _line(parser: DefusedXMLParser) -> int:
    try:
        return int(parser.parser.CurrentLineNumber)
    except AttributeError:  # the parser is closed
        return 0


def local(tag: str) -> str:
    """Return a tag's name without its namespace."""
    return tag.rpartition("}")[2]


def child_text(elem: Element, name: str) -> str | None:
    """Return the text of ``elem``'s first child called ``name`` (any namespace), or None."""
    for child in elem:
        if local(child.tag) == name:
            return child.text
    return None


def child(elem: Element, name: str) -> Element | None:
    """Return ``elem``'s first child called ``name`` (any namespace), or None."""
    for each in elem:
        if local(each.tag) == name:
            return each
    return None


def attribute(elem: Element | None, name: str) -> str | None:
    """Return the attribute ``name`` (any namespace) of ``elem``, or None."""
    if elem is None:
        return None
    for key, value in elem.attrib.items():
        if local(key) == name:
            return value
    return None
