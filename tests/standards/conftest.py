"""A small two-level standard whose coverage figures can be checked by hand."""
from __future__ import annotations

import pytest

from materials.standards import parse_standard

SMALL_ID = "cn-noss-6-23-01-03@2019"
SMALL_PATH = f"standards/{SMALL_ID}.yml"

# L5 (五级, cumulative): F.1 → C.1.1 → S.1.1.1, S.1.1.2, K.1.1.1
# L4 (四级, cumulative): F.2 → C.2.1 → S.2.1.1, K.2.1.1, K.2.1.2 ; F.3 → C.3.1 → S.3.1.1
SMALL_YAML = """\
id: cn-noss-6-23-01-03@2019
scheme: cn-noss
code: 6-23-01-03
title: 铁路机车车辆制修工
edition: "2019"
status: current
issuer: 人力资源社会保障部
language: zh-CN
levels:
  - {key: L5, label: 五级/初级工, cumulative: true}
  - {key: L4, label: 四级/中级工, cumulative: true}
kinds: {F: 职业功能, C: 工作内容, S: 技能要求, K: 相关知识要求}
items:
  - {key: L5.F.1, code: "1", kind: F, level: L5, text: 机车检查}
  - {key: L5.C.1.1, code: "1.1", kind: C, level: L5, parent: L5.F.1, text: 外观检查}
  - {key: L5.S.1.1.1, code: "1.1.1", kind: S, level: L5, parent: L5.C.1.1, text: 能检查走行部}
  - {key: L5.S.1.1.2, code: "1.1.2", kind: S, level: L5, parent: L5.C.1.1, text: 能检查车钩}
  - {key: L5.K.1.1.1, code: "1.1.1", kind: K, level: L5, parent: L5.C.1.1, text: 走行部结构}
  - {key: L4.F.2, code: "2", kind: F, level: L4, text: 制动机检修}
  - {key: L4.C.2.1, code: "2.1", kind: C, level: L4, parent: L4.F.2, text: 制动机试验}
  - {key: L4.S.2.1.1, code: "2.1.1", kind: S, level: L4, parent: L4.C.2.1, text: 能完成五步闸试验}
  - {key: L4.K.2.1.1, code: "2.1.1", kind: K, level: L4, parent: L4.C.2.1, text: 五步闸试验方法}
  - {key: L4.K.2.1.2, code: "2.1.2", kind: K, level: L4, parent: L4.C.2.1, text: 制动机原理}
  - {key: L4.F.3, code: "3", kind: F, level: L4, text: 电气检修}
  - {key: L4.C.3.1, code: "3.1", kind: C, level: L4, parent: L4.F.3, text: 电器检查}
  - {key: L4.S.3.1.1, code: "3.1.1", kind: S, level: L4, parent: L4.C.3.1, text: 能检查接触器}
weights:
  - {table: skill, level: L5, item: L5.F.1, percent: 100}
  - {table: skill, level: L4, item: L4.F.2, percent: 60}
  - {table: skill, level: L4, item: L4.F.3, percent: 40}
  - {table: knowledge, level: L4, item: L4.F.2, percent: 70}
  - {table: knowledge, level: L4, item: L4.F.3, percent: 30}
"""


@pytest.fixture
def small():
    return parse_standard(SMALL_YAML, SMALL_PATH)
