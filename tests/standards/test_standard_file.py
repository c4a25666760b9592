"""Reading a standard file: the good file parses; each bad one names its file and line."""
from __future__ import annotations

import pytest

from materials.errors import StandardInvalid
from materials.standards.errors import (
    DuplicateItemKey, DuplicateLevel, DuplicateYAMLKey, ParentCycle, StandardFieldMissing, StandardFieldType,
    StandardIdInvalid, StandardSyntaxError, StandardUnknownField, StandardUnsafeYAML, StandardValueInvalid,
    UnknownKind, UnknownLevel, UnknownParent, WeightUnknownItem, WeightsNotHundred,
)
from materials.standards.reading import parse_standard
from materials.standards.standard import Level
from materials.standards.writing import dump_standard

from .conftest import SMALL_PATH, SMALL_YAML


def broken(old: str, new: str) -> str:
    assert old in SMALL_YAML, old
    return SMALL_YAML.replace(old, new, 1)


def error_of(text: str, path: str = SMALL_PATH) -> StandardInvalid:
    with pytest.raises(StandardInvalid) as info:
        parse_standard(text, path)
    assert info.value.path == path
    return info.value


def test_the_design_example_parses_into_levels_kinds_items_and_weights(small):
    assert small.id == "cn-noss-6-23-01-03@2019"
    assert small.edition == "2019"
    assert small.levels[0] == Level("L5", "五级/初级工", True)
    assert small.kinds["K"] == "相关知识要求"
    item = small.item("L4.S.2.1.1")
    assert (item.code, item.kind, item.level, item.parent, item.text) == ("2.1.1", "S", "L4", "L4.C.2.1", "能完成五步闸试验")
    assert [w.percent for w in small.weights if w.table == "knowledge"] == [70, 30]


def test_dumped_yaml_reads_back_equal(small):
    text = dump_standard(small)
    assert parse_standard(text, SMALL_PATH) == small
    assert dump_standard(parse_standard(text, SMALL_PATH)) == text


def test_utf8_bom_from_a_windows_editor_is_accepted(small):
    assert parse_standard(("\ufeff" + SMALL_YAML).encode("utf-8"), SMALL_PATH) == small


def test_python_object_tag_is_refused_before_anything_is_built():
    err = error_of(broken("title: 铁路机车车辆制修工", "title: !!python/object/apply:os.system [echo hi]"))
    assert isinstance(err, StandardUnsafeYAML)
    assert err.line == 4


def test_custom_tag_is_refused():
    err = error_of(broken("issuer: 人力资源社会保障部", "issuer: !secret hrss"))
    assert isinstance(err, StandardUnsafeYAML) and err.line == 7


def test_anchors_and_aliases_are_refused():
    err = error_of(broken("issuer: 人力资源社会保障部", "issuer: &who 人社部\nsource_url: *who"))
    assert isinstance(err, StandardUnsafeYAML) and err.line == 8


def test_broken_yaml_syntax_names_the_line():
    err = error_of(broken('edition: "2019"', 'edition: "2019'))
    assert isinstance(err, StandardSyntaxError)
    assert err.line is not None and err.line >= 5


def test_unknown_top_level_key_is_reported_on_its_line():
    err = error_of(broken("language: zh-CN", "language: zh-CN\nauthor: 张老师"))
    assert isinstance(err, StandardUnknownField)
    assert err.params["field"] == "author" and err.line == 9


def test_unknown_item_field_is_reported():
    err = error_of(broken("text: 能检查车钩}", "text: 能检查车钩, hours: 4}"))
    assert isinstance(err, StandardUnknownField) and err.params["field"] == "hours" and err.line == 17


def test_missing_title_is_reported():
    err = error_of(broken("title: 铁路机车车辆制修工\n", ""))
    assert isinstance(err, StandardFieldMissing) and err.params["field"] == "title"


def test_item_without_text_is_reported_on_its_line():
    err = error_of(broken(", text: 能检查车钩}", "}"))
    assert isinstance(err, StandardFieldMissing) and err.params["field"] == "text" and err.line == 17


def test_id_must_be_slug_at_edition():
    err = error_of(broken("id: cn-noss-6-23-01-03@2019", "id: 铁路 标准"), path="a.yml")
    assert isinstance(err, StandardIdInvalid) and err.line == 1


def test_id_must_end_with_the_edition():
    err = error_of(broken('edition: "2019"', 'edition: "2020"'), path="a.yml")
    assert isinstance(err, StandardIdInvalid) and err.params["edition"] == "2020"


def test_file_name_must_be_the_id():
    err = error_of(SMALL_YAML, path="standards/other@2019.yml")
    assert isinstance(err, StandardIdInvalid)


def test_unknown_scheme_is_reported():
    err = error_of(broken("scheme: cn-noss", "scheme: iso"))
    assert isinstance(err, StandardValueInvalid) and err.params["value"] == "iso" and err.line == 2


def test_unknown_status_is_reported():
    err = error_of(broken("status: current", "status: draft"))
    assert isinstance(err, StandardValueInvalid) and err.line == 6


def test_duplicate_item_key_is_reported_on_the_second():
    err = error_of(broken("key: L5.S.1.1.2,", "key: L5.S.1.1.1,"))
    assert isinstance(err, DuplicateItemKey) and err.line == 17


def test_missing_parent_is_reported():
    err = error_of(broken("parent: L4.C.3.1,", "parent: L4.C.3.9,"))
    assert isinstance(err, UnknownParent) and err.params["parent"] == "L4.C.3.9" and err.line == 26


def test_parent_cycle_is_reported():
    text = broken("{key: L4.F.2, code: \"2\", kind: F, level: L4, text:",
                  "{key: L4.F.2, code: \"2\", kind: F, level: L4, parent: L4.C.2.1, text:")
    err = error_of(text)
    assert isinstance(err, ParentCycle)
    assert set(err.params["keys"].split(", ")) == {"L4.F.2", "L4.C.2.1"}


def test_item_level_must_be_a_declared_level():
    err = error_of(broken("kind: S, level: L4, parent: L4.C.3.1", "kind: S, level: L3, parent: L4.C.3.1"))
    assert isinstance(err, UnknownLevel) and err.line == 26


def test_item_kind_must_be_a_declared_kind():
    err = error_of(broken("kind: S, level: L4, parent: L4.C.3.1", "kind: X, level: L4, parent: L4.C.3.1"))
    assert isinstance(err, UnknownKind) and err.line == 26


def test_levels_may_not_repeat():
    err = error_of(broken("{key: L4, label: 四级/中级工", "{key: L5, label: 四级/中级工"))
    assert isinstance(err, DuplicateLevel) and err.line == 11


def test_repeated_yaml_key_is_reported():
    err = error_of(broken("status: current", "status: current\nstatus: withdrawn"))
    assert isinstance(err, DuplicateYAMLKey) and err.line == 7


def test_weights_of_a_level_must_add_up_to_100():
    err = error_of(broken("item: L4.F.3, percent: 40}", "item: L4.F.3, percent: 30}"))
    assert isinstance(err, WeightsNotHundred)
    assert err.params == {"table": "skill", "level": "L4", "total": "90"} and err.line == 29


def test_weight_must_name_an_existing_item():
    err = error_of(broken("item: L5.F.1, percent: 100", "item: L5.F.9, percent: 100"))
    assert isinstance(err, WeightUnknownItem) and err.line == 28


def test_weight_percent_must_be_a_number():
    err = error_of(broken("item: L5.F.1, percent: 100", "item: L5.F.1, percent: all"))
    assert isinstance(err, StandardFieldType) and err.params["field"] == "percent"


def test_items_must_be_a_list():
    err = error_of(SMALL_YAML.split("items:")[0] + "items: many\n", path="x.yml")
    assert isinstance(err, StandardFieldType) and err.line == 13


def test_every_error_has_a_stable_code_and_a_message_with_file_and_line():
    err = error_of(broken("scheme: cn-noss", "scheme: iso"))
    assert err.code == "standard.value_invalid"
    assert str(err).startswith(f"{SMALL_PATH}:2: ")
