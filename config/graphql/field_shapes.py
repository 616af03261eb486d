"""Field types as Stigg's SDK packages state them: the facts ``generate_sdl`` builds the schema from.

- ``TypescriptIndex``: (object type, field) -> output type, from ``@stigg/api-client-js``'s result types;
- ``PythonNode``: the same read from ``stigg-api-client-v2``'s pydantic models (JSON schema), newer and telling
  ``Int`` from ``Float``; ``merge_shape`` combines the two;
- ``input_fields``: every input type's fields, exact scalars from ``sdk.d.ts``, newer inputs from the Python client;
- ``custom_scalar_for``: which custom scalar a field typed only ``any`` is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from config.graphql.typescript_types import TsArray, TsIntersection, TsName, TsObject, TsUnion

CUSTOM_SCALARS = ("ConnectionCursor", "DateTime", "JSON", "UUID")

# Fields the packages type only as ``any``: which custom scalar they are (names per Stigg's GraphQL reference).
_JSON_FIELDS = {"additionalMetaData", "metadata", "metaData", "dimensions", "configuration", "passthrough", "data"}
_DATETIME_SUFFIXES = ("At", "Date", "Time", "Until", "Start", "End", "Anchor")
_UUID_FIELDS = {"id", "environmentId", "accountId"}


def custom_scalar_for(field_name: str) -> str:
    if field_name in {"startCursor", "endCursor", "cursor"}:
        return "ConnectionCursor"
    if field_name in _UUID_FIELDS or field_name.endswith("Id"):
        return "UUID"
    if field_name in {"start", "end", "date"}:
        return "DateTime"
    if field_name in _JSON_FIELDS or field_name.endswith("MetaData"):
        return "JSON"
    if field_name.endswith(_DATETIME_SUFFIXES) or field_name in {"timestamp", "since", "until"}:
        return "DateTime"
    return "JSON"


@dataclass
class TypeRef:
    """An output or input type: a named type wrapped in list and non-null markers."""

    name: str
    nullable: bool = True
    list_of: TypeRef | None = None

    def sdl(self) -> str:
        inner = f"[{self.list_of.sdl()}]" if self.list_of is not None else self.name
        return inner if self.nullable else inner + "!"

    def named(self) -> str:
        return self.list_of.named() if self.list_of is not None else self.name


# ---------------------------------------------------------------- TypeScript result types


def _strip_null(node: object) -> tuple[object, bool]:
    if isinstance(node, TsUnion):
        members = [member for member in node.members if not (isinstance(member, TsName) and member.name == "null")]
        nullable = len(members) != len(node.members)
        return (members[0] if len(members) == 1 else TsUnion(members)), nullable
    return node, False


class TypescriptIndex:
    """(object type, field) -> what ``sdk.d.ts``'s result types say the field returns."""

    def __init__(self, aliases: dict[str, object], enums: dict[str, list[str]]) -> None:
        self.aliases = aliases
        self.enums = enums
        self.fields: dict[tuple[str, str], TypeRef] = {}
        for name, alias in aliases.items():
            if not name.endswith("Input") and not isinstance(alias, TsObject | TsUnion | TsIntersection):
                continue
            self._visit(alias, None)

    def _typenames(self, node: object) -> list[str]:
        if isinstance(node, TsObject):
            return [node.typename] if node.typename else []
        if isinstance(node, TsIntersection):
            names = [name for part in node.parts for name in self._typenames(part)]
            return names[:1]
        if isinstance(node, TsUnion):
            return [name for member in node.members for name in self._typenames(member)]
        if isinstance(node, TsName) and node.name in self.aliases:
            return self._typenames(self.aliases[node.name])
        return []

    def _ref(self, node: object, field_name: str, optional: bool) -> TypeRef | None:
        core, nullable = _strip_null(node)
        nullable = nullable or optional
        if isinstance(core, TsArray):
            item = self._ref(core.item, field_name, False)
            return None if item is None else TypeRef("", nullable, item)
        names = self._typenames(core)
        if names:
            distinct = sorted(set(names))
            if len(distinct) == 1:
                return TypeRef(distinct[0], nullable)
            return TypeRef("|" + "|".join(distinct), nullable)  # an abstract type, named later
        if isinstance(core, TsName):
            scalar = {"string": "String", "number": "Float", "boolean": "Boolean"}.get(core.name)
            if scalar:
                return TypeRef(scalar, nullable)
            if core.name == "any":
                return TypeRef(custom_scalar_for(field_name), nullable)
            if core.name in self.enums:
                return TypeRef(core.name, nullable)
        return None

    def _visit(self, node: object, parent: str | None) -> None:
        if isinstance(node, TsObject):
            for name, (optional, value) in node.fields.items():
                if node.typename:
                    ref = self._ref(value, name, optional)
                    if ref is not None and (node.typename, name) not in self.fields:
                        self.fields[(node.typename, name)] = ref
                self._visit(value, node.typename)
        elif isinstance(node, TsUnion | TsIntersection):
            for part in node.members if isinstance(node, TsUnion) else node.parts:
                self._visit(part, parent)
        elif isinstance(node, TsArray):
            self._visit(node.item, parent)


# ---------------------------------------------------------------- pydantic JSON schemas


class PythonNode:
    """A position in an operation's result JSON schema, following ``$ref``s."""

    def __init__(self, schema: dict[str, Any], definitions: dict[str, Any]) -> None:
        self.schema = schema
        self.definitions = definitions

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.definitions[schema["$ref"].split("/")[-1]]
        return schema

    def property(self, key: str) -> PythonNode | None:
        schema = self._resolve(self.schema)
        value = schema.get("properties", {}).get(key)
        return None if value is None else PythonNode(value, self.definitions)

    def shape(self, field_name: str) -> tuple[TypeRef | None, list[PythonNode]]:
        """The field's type as far as pydantic tells it, and the object schemas below it (one per union member)."""
        schema = self._resolve(self.schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        nullable = False
        if options:
            kept = [option for option in options if option.get("type") != "null"]
            nullable = len(kept) != len(options)
            if len(kept) == 1:
                schema = self._resolve(kept[0])
            else:
                return TypeRef("", nullable), [PythonNode(option, self.definitions) for option in kept]
        if schema.get("type") == "array":
            item, objects = PythonNode(schema.get("items", {}), self.definitions).shape(field_name)
            return (None if item is None else TypeRef("", nullable, item)), objects
        if "enum" in schema and "title" in schema:
            return TypeRef(schema["title"], nullable), []
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return TypeRef("", nullable), [PythonNode(schema, self.definitions)]
        scalar = {"string": "String", "integer": "Int", "number": "Float", "boolean": "Boolean"}.get(kind or "")
        if scalar:
            return TypeRef(scalar, nullable), []
        if kind is None and "const" not in schema:
            return TypeRef(custom_scalar_for(field_name), nullable), []
        return None, []

    def typename(self) -> str | None:
        schema = self._resolve(self.schema)
        typename = schema.get("properties", {}).get("__typename", {})
        if "const" in typename:
            return str(typename["const"])
        if "enum" in typename and len(typename["enum"]) == 1:
            return str(typename["enum"][0])
        return None


def merge_shape(ts: TypeRef | None, python: TypeRef | None) -> TypeRef | None:
    """Python's pydantic models are newer and tell Int from Float; TypeScript names the object types."""
    if ts is None:
        return python
    if python is None:
        return ts
    if ts.list_of is not None and python.list_of is not None:
        item = merge_shape(ts.list_of, python.list_of)
        return TypeRef("", python.nullable, item)
    if python.list_of is not None or ts.list_of is not None:
        return python if python.list_of is not None else ts
    name = ts.name
    if ts.name == "Float" and python.name == "Int":
        name = "Int"
    if ts.name in CUSTOM_SCALARS and python.name in {"String", "Int", "Float", "Boolean"}:
        name = python.name
    if not ts.name and python.name:
        name = python.name
    return TypeRef(name, python.nullable)


def with_name(ref: TypeRef, name: str) -> TypeRef:
    if ref.list_of is not None:
        return TypeRef("", ref.nullable, with_name(ref.list_of, name))
    return TypeRef(name, ref.nullable)


BUILTIN = {"String", "Int", "Float", "Boolean", "ID"}


def _ts_input_ref(node: object, field_name: str, optional: bool, enums_and_inputs: dict[str, str]) -> str:
    core, nullable = _strip_null(node)
    bang = "" if (nullable or optional) else "!"
    if isinstance(core, TsArray):
        return f"[{_ts_input_ref(core.item, field_name, False, enums_and_inputs)}]{bang}"
    assert isinstance(core, TsName), core
    name = core.name.removeprefix("Scalars.")
    return enums_and_inputs.get(name.lower(), name) + bang


def _python_input_ref(annotation: str, field_name: str) -> str:
    annotation = re.sub(r"<class '(\w+)'>", r"\1", annotation)
    annotation = re.sub(r"<enum '(\w+)'>", r"\1", annotation)
    annotation = re.sub(r"[\w.]+\.(\w+)", r"\1", annotation)
    nullable = annotation.startswith("Optional[")
    if nullable:
        annotation = annotation[len("Optional[") : -1]
    bang = "" if nullable else "!"
    if annotation.startswith("List["):
        return f"[{_python_input_ref(annotation[5:-1], field_name)}]{bang}"
    scalar = {"str": "String", "int": "Int", "float": "Float", "bool": "Boolean"}.get(annotation)
    if annotation == "Any":
        scalar = custom_scalar_for(field_name)
    return (scalar or annotation.strip("'\"")) + bang


def input_fields(
    typescript: dict[str, object], python_inputs: dict[str, dict[str, str]], enums: set[str]
) -> dict[str, dict[str, str]]:
    """Every input type: field -> SDL type. ``sdk.d.ts`` has the exact scalars; Python adds newer inputs and fields."""
    result: dict[str, dict[str, str]] = {}
    exact_names = {name.lower(): name for name in [*python_inputs, *enums]}
    typescript_by_lower_name = {name.lower(): alias for name, alias in typescript.items()}
    for name, fields in python_inputs.items():
        declared: dict[str, str] = {}
        ts = typescript.get(name) or typescript_by_lower_name.get(name.lower())
        ts_fields = ts.fields if isinstance(ts, TsObject) else {}
        for field_name, annotation in fields.items():
            if field_name in ts_fields:
                optional, value = ts_fields[field_name]
                declared[field_name] = _ts_input_ref(value, field_name, optional, exact_names)
                python_ref = _python_input_ref(annotation, field_name)
                if declared[field_name].endswith("!") != python_ref.endswith("!"):
                    declared[field_name] = python_ref if not python_ref.endswith("!") else declared[field_name]
            else:
                declared[field_name] = _python_input_ref(annotation, field_name)
        result[name] = declared
    return result
