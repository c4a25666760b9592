"""What can be wrong with a standard file, one error type per mistake a teacher can make.

Each has its own ``code`` so the server says it in the reader's language;
the file and line come with it (``MaterialsError.path``/``line``).
"""
from __future__ import annotations

from ..errors import StandardInvalid, UnsafeYAML, YAMLInvalid


class StandardSyntaxError(StandardInvalid, YAMLInvalid):
    """The file is not YAML at all (a tab, an unclosed quote...)."""

    code = "standard.yaml_syntax"


class StandardUnsafeYAML(StandardInvalid, UnsafeYAML):
    """A tag (``!!python/object``, ``!custom``) or an alias: never constructed."""

    code = "standard.unsafe_yaml"


class StandardTooLarge(StandardInvalid):
    code = "standard.too_large"


class StandardFieldMissing(StandardInvalid):
    code = "standard.field_missing"


class StandardFieldType(StandardInvalid):
    code = "standard.field_type"


class StandardUnknownField(StandardInvalid):
    code = "standard.unknown_field"


class StandardValueInvalid(StandardInvalid):
    """A value outside its allowed set (scheme, status, key form...)."""

    code = "standard.value_invalid"


class StandardIdInvalid(StandardInvalid):
    code = "standard.id_invalid"


class DuplicateYAMLKey(StandardInvalid):
    code = "standard.duplicate_key"


class DuplicateItemKey(StandardInvalid):
    code = "standard.duplicate_item"


class DuplicateLevel(StandardInvalid):
    code = "standard.duplicate_level"


class UnknownParent(StandardInvalid):
    code = "standard.unknown_parent"


class UnknownAssociationEnd(StandardInvalid):
    """An association names an item key the standard does not have (removed since the import?)."""

    code = "standard.unknown_association_end"


class ParentCycle(StandardInvalid):
    code = "standard.parent_cycle"


class UnknownLevel(StandardInvalid):
    code = "standard.unknown_level"


class UnknownKind(StandardInvalid):
    code = "standard.unknown_kind"


class WeightsNotHundred(StandardInvalid):
    code = "standard.weights_sum"


class WeightUnknownItem(StandardInvalid):
    code = "standard.weight_unknown_item"
