"""A book's images: uploaded by content type, size-limited, SVG checked, listed and deleted."""
from __future__ import annotations

import base64
import io

from helpers import csrf_from, deletions_in_the_audit_log, post_form, sign_in
from materials import Library

BOOK = "locomotive-maintenance"
DRAFT = f"drafts/teacher/{BOOK}"
UPLOAD = f"/api/books/{BOOK}/assets"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
SAFE_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs>' \
           b'<rect width="10" height="10" fill="url(#g)"/><use href="#g"/></svg>'
UNSAFE_SVGS = {
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "handler": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
    "foreign": b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>',
    "external": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://evil.example/x.png"/></svg>',
    "js-link": b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
    "css": b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/x.css);</style></svg>',
}


def upload(client, name, data, url=UPLOAD, headers=None):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                       headers=headers)


def test_a_png_is_stored_in_the_books_assets_on_the_draft_and_served(teacher, lib):
    response = upload(teacher, "示意图 1.png", PNG)
    assert response.status_code == 201, response.json
    name = response.json["name"]
    assert name == "示意图-1.png" and response.json["markdown"] == f"![](../assets/{name})"
    assert lib.read(DRAFT, f"books/{BOOK}/assets/{name}") == PNG
    served = teacher.get(response.json["url"])
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    listed = teacher.get(UPLOAD).json["assets"]
    assert name in [a["name"] for a in listed] and "brake-system.svg" in [a["name"] for a in listed]
    again = upload(teacher, "示意图 1.png", PNG)
    assert again.json["name"] == name and again.json["sha"] == ""  # same picture stored once


def test_upload_names_are_made_safe(teacher, lib):
    for raw in ("../../evil.png", "..\\..\\evil.png", ".git.png", "-rf.png", "--upload-pack=x.png"):
        response = upload(teacher, raw, PNG)
        assert response.status_code == 201, raw
        name = response.json["name"]
        assert "/" not in name and not name.startswith((".", "-")), name
    assert set(lib.files(DRAFT, "books")) - set(lib.files("main", "books")) <= {
        f"books/{BOOK}/assets/{n}" for n in ("evil.png", "git.png", "rf.png", "upload-pack-x.png")}


def test_an_oversized_upload_is_refused_with_413_and_nothing_is_written(make_app):
    app = make_app(ASSET_MAX_BYTES=1024)
    client = app.test_client()
    sign_in(client, "teacher")
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_from(client, "/")
    library = Library(app.config["LIBRARY_PATH"])
    response = upload(client, "big.png", PNG + b"\0" * 2048)
    assert response.status_code == 413 and response.json["error"]["code"] == "asset.too_large"
    page = client.post(f"/books/{BOOK}/assets", data={"file": (io.BytesIO(PNG + b"\0" * 2048), "big.png")},
                       content_type="multipart/form-data")
    assert page.status_code == 413
    assert library.branch_head(DRAFT) is None


def test_beyond_the_request_limit_the_server_refuses_before_reading(make_app):
    app = make_app(MAX_CONTENT_LENGTH=4096)
    client = app.test_client()
    sign_in(client, "teacher")
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_from(client, "/")
    assert upload(client, "big.png", PNG + b"\0" * 10000).status_code == 413


UNSAFE_SVGS.update({
    "tab-split-set": b'<svg xmlns="http://www.w3.org/2000/svg"><a href="#r"><set attributeName="href" '
                     b'to="java&#x09;script:alert(1)"/><rect id="r" width="5" height="5"/></a></svg>',
    "tab-split-animate": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                         b'<use xlink:href="#r"><animate attributeName="xlink:href" values="java&#x09;script:alert(1)"'
                         b'/></use><rect id="r" width="5" height="5"/></svg>',
    "use-elsewhere": b'<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/a.svg#x"/></svg>',
    "paint-elsewhere": b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5" '
                       b'fill="url(https://evil.example/a.svg#g)" style="stroke:url(//evil.example/b#c)"/></svg>',
    "html": b'<svg xmlns="http://www.w3.org/2000/svg"><iframe src="https://evil.example/"/><embed src="x.swf"/></svg>',
    "mixed-case": b'<svg xmlns="http://www.w3.org/2000/svg"><SCRIPT>alert(1)</SCRIPT><rect OnClick="alert(1)"/></svg>',
})
DANGEROUS = ("script", "onload", "onclick", "foreignobject", "evil.example", "<set", "<animate", "<style", "@import",
             "<iframe", "<embed", "<a ", "file:", "entity")


def _elements(svg: bytes) -> list[tuple[str, dict[str, str]]]:
    """What an SVG draws: its elements in order, with their attributes (namespaces spelled out)."""
    import xml.etree.ElementTree as ElementTree

    return [(element.tag, dict(element.attrib)) for element in ElementTree.fromstring(svg).iter()
            if isinstance(element.tag, str)]


def test_unsafe_parts_of_an_svg_are_dropped_by_the_sanitizer_and_the_picture_is_kept(teacher, lib):
    for kind, data in UNSAFE_SVGS.items():
        response = upload(teacher, f"{kind}.svg", data)
        assert response.status_code == 201, (kind, response.json)
        stored = lib.read(DRAFT, f"books/{BOOK}/assets/{response.json['name']}")
        assert _elements(stored)[0][0] == "{http://www.w3.org/2000/svg}svg", kind
        assert not [word for word in DANGEROUS if word in stored.decode().lower()], (kind, stored)
        if b"<rect" in data:
            assert b"<rect" in stored, kind


def test_the_starter_books_svg_drawings_survive_the_sanitizer_element_for_element(teacher, lib):
    names = [name for name in lib.files("main", f"books/{BOOK}/assets") if name.endswith(".svg")]
    assert len(names) >= 5
    for path in names:
        original = lib.read("main", path)
        response = upload(teacher, "copy-" + path.rsplit("/", 1)[1], original)
        assert response.status_code == 201, response.json
        stored = lib.read(DRAFT, f"books/{BOOK}/assets/{response.json['name']}")
        assert _elements(stored) == _elements(original), path
        assert [t.strip() for t in _texts(stored)] == [t.strip() for t in _texts(original)], path


def _texts(svg: bytes) -> list[str]:
    import xml.etree.ElementTree as ElementTree

    return [text for text in ElementTree.fromstring(svg).itertext() if text.strip()]


def test_what_is_not_an_svg_picture_is_refused(teacher, lib):
    for data in (b"not xml at all", b"<html><body>hi</body></html>", b"<svg>\xe9</svg>",
                 b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>trailing<b>',
                 b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                 b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
                 b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                 b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'):
        response = upload(teacher, "bad.svg", data, headers={"Accept-Language": "en"})
        assert response.status_code == 422 and response.json["error"]["code"] == "asset.svg_invalid", data
        assert "not an SVG picture" in response.json["error"]["message"]
    assert lib.branch_head(DRAFT) is None


def test_a_plain_svg_and_wrong_types_by_content(teacher):
    assert upload(teacher, "diagram.svg", SAFE_SVG).status_code == 201
    wrong = upload(teacher, "photo.png", b"<html><script>alert(1)</script></html>")
    assert wrong.status_code == 415 and wrong.json["error"]["code"] == "asset.type"
    assert upload(teacher, "page.html", PNG).status_code == 415
    assert upload(teacher, "empty.png", b"").status_code == 422


def test_delete_an_image_after_a_confirmation_naming_the_chapters_that_show_it(teacher, lib, app):
    url = f"/books/{BOOK}/assets/brake-system.svg/delete"
    confirm = teacher.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "03-brake-test.md" in confirm
    assert lib.branch_head(DRAFT) is None
    assert post_form(teacher, url).status_code == 303
    assert not lib.exists(DRAFT, f"books/{BOOK}/assets/brake-system.svg")
    assert lib.exists("main", f"books/{BOOK}/assets/brake-system.svg")
    assert teacher.delete(f"{UPLOAD}/brake-system.svg").status_code == 404
    assert teacher.delete(f"{UPLOAD}/pantograph.svg").status_code == 204
    assert deletions_in_the_audit_log(app) == [("asset.delete", f"{BOOK}/brake-system.svg", {"branch": DRAFT}),
                                               ("asset.delete", f"{BOOK}/pantograph.svg", {"branch": DRAFT})]


def test_the_images_page_lists_and_uploads(teacher, lib):
    page = teacher.get(f"/books/{BOOK}/assets").get_data(as_text=True)
    assert "brake-system.svg" in page and 'enctype="multipart/form-data"' in page
    response = teacher.post(f"/books/{BOOK}/assets", data={"file": (io.BytesIO(PNG), "photo.png")},
                            content_type="multipart/form-data")
    assert response.status_code == 303
    assert lib.exists(DRAFT, f"books/{BOOK}/assets/photo.png")
