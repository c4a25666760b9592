"""The review dossier (送审材料): every section in the PDF, with the figures the platform shows, read back
from the PDF's extracted text."""
from __future__ import annotations

import re

import pypdf
import pytest

from build.dossier import ReadersFeedback, build_dossier
from materials import Author, Library, Write
from materials.authorship import text_share_by_side
from materials.coverage import coverage
from materials.review_records import digest, dump, record_text, write_record

BOOK = "locomotive-maintenance"
EDITOR = Author("编辑", "editor@college.example", "school")
CRAFTSMAN = Author("赵师傅", "zhao@depot.example", "enterprise")
PATH = f"books/{BOOK}/chapters/03-brake-test.md"


@pytest.fixture(scope="module")
def dossier(tmp_path_factory):
    root = tmp_path_factory.mktemp("dossier")
    lib = Library.init(root / "library.git", starter=True)
    lib.create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    lib.commit("main", [Write(PATH, lib.read_text("main", PATH) + "\n现场补充：制动缸压力按新版作业指导书核对。\n")],
               CRAFTSMAN, "按新版作业指导书补充制动缸压力核对", base=lib.resolve("main"))
    lib.create_tag(f"{BOOK}/v1.1", "main", EDITOR, "Release 1.1")
    signed = dump({"review": {"book": BOOK, "number": 1, "version": "1.1"},
                   "panel": [{"account": "li", "name": "李专家", "institution": "某机务段", "side": "enterprise",
                              "chair": True}],
                   "readings": [{"account": "li", "verdicts": [{"criterion": "科学性", "verdict": "meets"}],
                                 "opinion": "内容准确"}],
                   "meeting": {"date": "2026-03-12", "tally": {"passed": 1, "resubmit": 0, "rejected": 0},
                               "minutes": "一致同意通过"},
                   "conclusion": "passed", "required_revisions": []})
    write_record(lib, BOOK, "1.1", 1, record_text(signed, [{"account": "li", "signed_at": "2026-03-12T08:00:00Z",
                                                            "sha256": digest(signed)}]), EDITOR, "Record")
    feedback = ReadersFeedback(since="2026-01-01", until="2026-03-01", by_kind={"error": 3, "question": 2},
                               errors_fixed=2, questions_answered=1, average_rating=4.5,
                               items=[{"kind": "error", "chapter": "制动机的检查与试验", "text": "压力单位写错",
                                       "state": "已修正"}])
    out = root / "dossier.pdf"
    result = build_dossier(lib, BOOK, "1.1", out, statement="本书由学院与机务段共同编写。", feedback=feedback)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(str(out)).pages)
    return lib, result, re.sub(r"[ \t]+", " ", text), digest(signed)


def test_the_dossier_holds_every_section(dossier):
    _lib, result, text, _ = dossier
    for heading in ("一、编写说明", "二、编写者及校企双方贡献", "三、与标准的对应", "四、与上一版相比的修订",
                    "五、读者反馈（使用跟踪报告）", "六、审核记录"):
        assert heading in text
    assert result.pages >= 6 and "本书由学院与机务段共同编写。" in text and "电力机车运用与检修" in text


def test_the_shares_by_side_are_the_platforms_figures(dossier):
    lib, _result, text, _ = dossier
    shares = text_share_by_side(lib, BOOK, f"{BOOK}/v1.1")
    for side, share in shares.items():
        label = {"school": "学校", "enterprise": "企业"}.get(side, side)
        assert re.search(rf"{label}\S* {share.lines} {round(share.percent, 1)}%", text), (label, share)
    assert "赵师傅" in text


def test_the_alignment_by_level_and_its_gaps_are_the_platforms(dossier):
    lib, result, text, _ = dossier
    the_book = lib.book(BOOK, f"{BOOK}/v1.1")
    cov = coverage(lib.standards(f"{BOOK}/v1.1"), the_book.config.standards,
                   {c.filename: c.meta.standards for c in the_book.chapters})
    for sc in cov.standards.values():
        for level in sc.levels:
            assert f"{level.covered} / {level.total}" in text
    gaps = [g for s in result.data["alignment"] for lv in s["levels"] for g in lv["gaps"]]
    assert gaps and gaps[0].split(" ", 1)[0] in text


def test_changes_since_the_previous_edition_and_the_feedback_of_the_period(dossier):
    _lib, _result, text, _ = dossier
    assert "与上一版 1.0 相比" in text and "修改 1 章" in text
    assert "按新版作业指导书补充制动缸压力核对" in text
    assert "2026-01-01 至 2026-03-01" in text and "纠错 3" in text and "已回答的问题 1" in text
    assert "压力单位写错" in text


def test_the_signed_review_record_is_in_the_dossier(dossier):
    _lib, _result, text, sha = dossier
    assert "第 1 号审核：通过" in text and "2026-03-12" in text and "签名与记录一致" in text
    assert "李专家（组长）" in text and "一致同意通过" in text
    assert sha in text.replace("\n", "")
