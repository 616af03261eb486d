"""Strict checks of a GraphQL answer against the schema's own types, for what the SDKs' models leave loose.

``stigg-api-client-v2`` declares ``DateTime``, ``JSON`` and ``UUID`` fields as ``Any``, so its models cannot tell
``"2026-01-01T00:00:00Z"`` from ``1767225600``. Walking the operation's selections through our schema, every leaf
must be what its scalar or enum says: ``Boolean`` a JSON ``true``/``false``, ``Int`` an integer, ``Float`` a
number, ``String`` and ``ID`` strings, ``DateTime`` an ISO-8601 string, an enum one of its values; a non-null field
never null.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)


def _is_iso_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


SCALAR_CHECKS = {
    "Boolean": lambda value: isinstance(value, bool),
    "Int": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "Float": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "String": lambda value: isinstance(value, str),
    "ID": lambda value: isinstance(value, str),
    "UUID": lambda value: isinstance(value, str),
    "ConnectionCursor": lambda value: isinstance(value, str),
    "DateTime": _is_iso_datetime,
    "JSON": lambda value: True,
}


class _Walk:
    def __init__(self, schema: GraphQLSchema, document: str) -> None:
        definitions = parse(document).definitions
        self.schema = schema
        self.operation = next(node for node in definitions if isinstance(node, OperationDefinitionNode))
        self.fragments = {node.name.value: node for node in definitions if isinstance(node, FragmentDefinitionNode)}
        self.mismatches: list[str] = []

    def root(self) -> GraphQLObjectType:
        kind = self.operation.operation.value
        root = {"query": self.schema.query_type, "mutation": self.schema.mutation_type}[kind]
        assert root is not None, kind
        return root

    def selections(self, selection_set: SelectionSetNode, kind: GraphQLNamedType, value: dict[str, Any], path: str):  # type: ignore[no-untyped-def]
        concrete = self.schema.get_type(value.get("__typename", "")) or kind
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, concrete, value, path)
                continue
            fragment = self.fragments[selection.name.value] if isinstance(selection, FragmentSpreadNode) else selection
            assert isinstance(fragment, FragmentDefinitionNode | InlineFragmentNode)
            condition = self.schema.get_type(fragment.type_condition.name.value) if fragment.type_condition else None
            if condition is None or condition is concrete or self._includes(condition, concrete):
                self.selections(fragment.selection_set, concrete, value, path)

    def _includes(self, abstract: GraphQLNamedType, concrete: GraphQLNamedType) -> bool:
        if not isinstance(concrete, GraphQLObjectType) or isinstance(abstract, GraphQLObjectType):
            return False
        return self.schema.is_sub_type(abstract, concrete)  # type: ignore[arg-type]

    def field(self, node: FieldNode, kind: GraphQLNamedType, value: dict[str, Any], path: str) -> None:
        key = node.alias.value if node.alias else node.name.value
        if key not in value:
            return
        if node.name.value == "__typename":
            self.leaf("String", value[key], f"{path}.{key}")
            return
        definition = kind.fields[node.name.value]  # type: ignore[union-attr]
        self.value(definition.type, node.selection_set, value[key], f"{path}.{key}".lstrip("."))

    def value(self, kind: Any, selection_set: SelectionSetNode | None, value: Any, path: str) -> None:
        if isinstance(kind, GraphQLNonNull):
            if value is None:
                self.mismatches.append(f"{path}: null in a non-null {kind.of_type}")
                return
            kind = kind.of_type
        if value is None:
            return
        if isinstance(kind, GraphQLList):
            if not isinstance(value, list):
                self.mismatches.append(f"{path}: {value!r} is not a list")
                return
            for index, item in enumerate(value):
                self.value(kind.of_type, selection_set, item, f"{path}.{index}")
        elif isinstance(kind, GraphQLEnumType):
            if value not in kind.values:
                self.mismatches.append(f"{path}: {value!r} is not a {kind.name}")
        elif isinstance(kind, GraphQLScalarType):
            self.leaf(kind.name, value, path)
        elif not isinstance(value, dict) or selection_set is None:
            self.mismatches.append(f"{path}: {value!r} is not a {kind.name} object")
        else:
            self.selections(selection_set, kind, value, path)

    def leaf(self, scalar: str, value: Any, path: str) -> None:
        if not SCALAR_CHECKS[scalar](value):
            self.mismatches.append(f"{path}: {value!r} is not a {scalar}")


def schema_mismatches(schema: GraphQLSchema, document: str, data: dict[str, Any]) -> list[str]:
    """Every leaf of ``data`` (an operation's answer) whose JSON type differs from the schema's type for it."""
    walk = _Walk(schema, document)
    walk.selections(walk.operation.selection_set, walk.root(), data, "")
    return walk.mismatches
