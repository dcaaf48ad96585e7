"""Avatars the service draws: identicons from the avatar seed, cached for good, nothing else."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from comments import avatars
from tests.factories import post_ok, read

SVG = "{http://www.w3.org/2000/svg}"


def test_avatar_is_an_svg_drawn_from_the_seed_and_cached_for_good(client):
    response = client.get("/api/v1/avatars/0123456789abcdef.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    svg = ET.fromstring(response.data)
    assert svg.tag == SVG + "svg"
    assert [child.tag for child in svg] == [SVG + "rect", SVG + "path"]
    assert b"<script" not in response.data and b"href" not in response.data
    etag = response.headers["ETag"]
    again = client.get("/api/v1/avatars/0123456789abcdef.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_the_same_seed_draws_the_same_bytes_and_others_differ():
    one = avatars.identicon("0123456789abcdef")
    assert avatars.identicon("0123456789abcdef") == one
    others = {avatars.identicon(f"{i:016x}") for i in range(1, 50)}
    assert one not in others and len(others) == 49


def test_the_drawing_is_symmetric():
    path = ET.fromstring(avatars.identicon("fedcba9876543210")).find(SVG + "path")
    squares = {tuple(map(int, p.split("h")[0].split())) for p in path.get("d")[1:].split("M")}
    assert squares and squares == {(4 - x, y) for x, y in squares}


@pytest.mark.parametrize(
    "seed", ["0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "xyz", "../secret"]
)
def test_anything_but_16_hex_digits_is_a_404_problem(client, seed):
    response = client.get(f"/api/v1/avatars/{seed}.svg")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_page_gives_each_author_a_seed_the_service_draws(client, site):
    post_ok(client, author={"name": "Ada", "email": "ada@example.org"})
    [comment] = read(client)["comments"]
    seed = comment["author"]["hash"]
    assert avatars.SEED.fullmatch(seed)
    assert client.get(f"/api/v1/avatars/{seed}.svg").status_code == 200
