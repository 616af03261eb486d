"""Regenerate ``config/graphql/schema.graphql``: Stigg's GraphQL schema, pruned to what the official SDKs reach.

Stigg publishes no SDL, but its SDK packages carry every fact we need:

- the operation documents of both SDKs (``sdk_documents``): which root fields, object fields, arguments and
  fragments are used at all;
- ``@stigg/api-client-js``'s ``sdk.d.ts`` (``typescript_types``): exact input types and scalars, enums, and for each
  selected object field the object type it returns (``__typename``), its nullability and list-ness;
- ``stigg-api-client-v2``'s pydantic models (``python_models``): the same for the newer operations and fields the
  Python client alone selects, and ``int`` against ``float``.

Each document is walked with the types it passes through; every field it selects is declared on its type, every
input and enum its variables reach is declared whole. What the packages leave undecided (which custom scalar an
untyped ``any`` is, the name of a union only the Python client selects) is settled by the small tables below.

It also writes the edge reads' documents (``edge/*.graphql``, see ``edge_generation``).

Run (the SDKs installed as the tests install them, ``tests/sdk/install.py``)::

    .venv/bin/python -m config.graphql.generate_sdl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ListTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
)

from config.graphql import sdk_documents
from config.graphql.edge_generation import edge_operation_texts
from config.graphql.field_shapes import (
    BUILTIN,
    CUSTOM_SCALARS,
    PythonNode,
    TypeRef,
    TypescriptIndex,
    input_fields,
    merge_shape,
    with_name,
)
from config.graphql.python_models import python_sdk_facts
from config.graphql.typescript_types import read_sdk_declarations

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
EDGE_DIRECTORY = Path(__file__).with_name("edge")

# Object fields whose type no package names (only the Python client selects them, without __typename).
_TYPE_NAME_OVERRIDES: dict[tuple[str, str], str] = {
    ("Price", "customCurrency"): "CustomCurrency",
    ("PaywallPrice", "customCurrency"): "CustomCurrency",
    ("CreditEntitlement", "currency"): "EntitlementCurrency",
    ("FeatureEntitlement", "creditRate"): "CreditRate",
    ("CustomCurrency", "units"): "Units",
    ("CreditConsumptionResponse", "credit"): "OptimisticCreditBalance",
    ("UsageMeasurementWithCurrentUsage", "credit"): "OptimisticCreditBalance",
    ("CreditCostEstimation", "estimates"): "CurrencyEstimate",
    ("Product", "downgradePlan"): "Plan",
    ("PackageFeatureEntitlement", "feature"): "Feature",
    ("PackageCreditEntitlement", "dependencyFeature"): "Feature",
    ("PackageCreditEntitlement", "customCurrency"): "CustomCurrency",
}
# Anything else unnamed is called after its parent and field (``CreditLedgerEdges``); no client reads the name.
# Abstract types: name by member set, where fragments.json does not list them (Stigg's GraphQL reference does).
_ABSTRACT_NAMES = {
    frozenset({"CreditEntitlement", "FeatureEntitlement"}): "EntitlementUnion",
    frozenset({"PackageCreditEntitlement", "PackageFeatureEntitlement"}): "PackageEntitlementUnion",
}
# Arguments the documents write as literals rather than variables.
_LITERAL_ARGUMENTS = {
    ("Query", "coupons", "filter"): "CouponFilter",
    ("Query", "coupons", "paging"): "CursorPaging",
    ("Query", "products", "paging"): "CursorPaging",
}


@dataclass
class ObjectInfo:
    fields: dict[str, TypeRef] = field(default_factory=dict)
    arguments: dict[str, dict[str, str]] = field(default_factory=dict)
    interfaces: set[str] = field(default_factory=set)


@dataclass
class SchemaFacts:
    objects: dict[str, ObjectInfo] = field(default_factory=lambda: defaultdict(ObjectInfo))
    abstract: dict[str, set[str]] = field(default_factory=dict)  # union or interface -> members
    abstract_with_fields: set[str] = field(default_factory=set)  # selected directly: an interface
    inputs_used: set[str] = field(default_factory=set)
    enums_used: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- walking the documents


class DocumentWalker:
    def __init__(
        self,
        facts: SchemaFacts,
        typescript: TypescriptIndex,
        input_names: set[str],
        enum_names: set[str],
        possible_types: dict[str, list[str]],
    ):
        self.possible_types = possible_types
        self.facts = facts
        self.typescript = typescript
        self.input_names = input_names
        self.enum_names = enum_names

    def walk(self, sdk: str, name: str, document: DocumentNode, python_schema: dict[str, Any] | None) -> None:
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            root = definition.operation.value.capitalize()
            variables = {}
            for variable in definition.variable_definitions or ():
                variables[variable.variable.name.value] = _type_text(variable.type)
                self.facts.inputs_used.add(_named(variable.type))
            python = PythonNode(python_schema, python_schema.get("$defs", {})) if python_schema else None
            self._selection(f"{sdk}:{name}", definition.selection_set, root, python, fragments, variables)

    def _selection(
        self,
        where: str,
        selection_set: SelectionSetNode,
        parent: str,
        python: PythonNode | None,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, str],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                self._typed(
                    where,
                    fragment.type_condition.name.value,
                    fragment.selection_set,
                    parent,
                    python,
                    fragments,
                    variables,
                )
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else parent
                self._typed(where, condition, selection.selection_set, parent, python, fragments, variables)
            elif isinstance(selection, FieldNode):
                self._field(where, selection, parent, python, fragments, variables)

    def _typed(
        self,
        where: str,
        condition: str,
        selection_set: SelectionSetNode,
        parent: str,
        python: PythonNode | None,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, str],
    ) -> None:
        if condition != parent:
            self.facts.abstract.setdefault(parent, set()).add(condition)
            if python is not None:
                python = self._member(python, condition) or python
        self._selection(where, selection_set, condition, python, fragments, variables)

    @staticmethod
    def _member(python: PythonNode, typename: str) -> PythonNode | None:
        schema = python._resolve(python.schema)
        for option in schema.get("anyOf") or schema.get("oneOf") or []:
            candidate = PythonNode(option, python.definitions)
            if candidate.typename() == typename:
                return candidate
        return None

    def _field(
        self,
        where: str,
        selection: FieldNode,
        parent: str,
        python: PythonNode | None,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, str],
    ) -> None:
        name = selection.name.value
        if name == "__typename":
            return
        key = selection.alias.value if selection.alias else name
        info = self.facts.objects[parent]
        if parent in self.facts.abstract:
            self.facts.abstract_with_fields.add(parent)
        for argument in selection.arguments or ():
            if isinstance(argument.value, VariableNode):
                info.arguments.setdefault(name, {})[argument.name.value] = variables[argument.value.name.value]
            elif (parent, name, argument.name.value) in _LITERAL_ARGUMENTS:
                kind = _LITERAL_ARGUMENTS[(parent, name, argument.name.value)]
                info.arguments.setdefault(name, {})[argument.name.value] = kind
                self.facts.inputs_used.add(kind)
            else:
                self.facts.problems.append(f"{where}: literal argument {parent}.{name}({argument.name.value})")
        ts_ref = self.typescript.fields.get((parent, key)) or self.typescript.fields.get((parent, name))
        python_field = python.property(key) if python is not None else None
        python_ref, python_children = python_field.shape(name) if python_field is not None else (None, [])
        ref = merge_shape(ts_ref, python_ref)
        if selection.selection_set is not None:
            type_name = _TYPE_NAME_OVERRIDES.get((parent, name))
            if type_name is None and ts_ref is not None and ts_ref.named() and not ts_ref.named().startswith("|"):
                type_name = ts_ref.named()
            if type_name is None:
                members = {typename for node in python_children if (typename := node.typename()) is not None}
                candidates = members or set(_spread_conditions(selection.selection_set, fragments))
                if ts_ref is not None and ts_ref.named().startswith("|"):
                    candidates = set(ts_ref.named().strip("|").split("|"))
                if len(candidates) == 1:
                    type_name = candidates.pop()
                elif candidates:
                    type_name = _ABSTRACT_NAMES.get(frozenset(candidates)) or next(
                        (name for name, members in self.possible_types.items() if candidates <= set(members)), None
                    )
                    if type_name:
                        self.facts.abstract.setdefault(type_name, set()).update(candidates)
            if type_name is None and ref is not None and len(python_children) == 1:
                type_name = parent + name[0].upper() + name[1:]
            if type_name is None or ref is None:
                self.facts.problems.append(f"{where}: cannot tell the type of {parent}.{name}")
                return
            ref = with_name(ref, type_name)
            self._record(where, parent, name, ref)
            child_python = python_children[0] if len(python_children) == 1 else None
            if len(python_children) > 1:
                child_python = PythonNode(
                    {"anyOf": [node.schema for node in python_children]}, python_children[0].definitions
                )
            self._selection(where, selection.selection_set, type_name, child_python, fragments, variables)
        else:
            if ref is None:
                self.facts.problems.append(f"{where}: cannot tell the type of {parent}.{name}")
                return
            if ref.named() in self.enum_names:
                self.facts.enums_used.add(ref.named())
            self._record(where, parent, name, ref)

    def _record(self, where: str, parent: str, name: str, ref: TypeRef) -> None:
        known = self.facts.objects[parent].fields.get(name)
        if known is None:
            self.facts.objects[parent].fields[name] = ref
            return
        if known.sdl() != ref.sdl():
            # the two SDKs disagree (an older and a newer schema): keep the looser one, which both accept
            merged = _loosest(known, ref)
            self.facts.objects[parent].fields[name] = merged


def _loosest(first: TypeRef, second: TypeRef) -> TypeRef:
    if first.list_of is not None and second.list_of is not None:
        return TypeRef("", first.nullable or second.nullable, _loosest(first.list_of, second.list_of))
    name = first.name
    if {first.name, second.name} == {"Int", "Float"}:
        name = "Float"
    return TypeRef(name, first.nullable or second.nullable, first.list_of)


def _spread_conditions(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    names = []
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            names.append(fragments[selection.name.value].type_condition.name.value)
    return names


def _named(node: Any) -> str:
    while isinstance(node, NonNullTypeNode | ListTypeNode):
        node = node.type
    return str(node.name.value)


def _type_text(node: Any) -> str:
    if isinstance(node, NonNullTypeNode):
        return _type_text(node.type) + "!"
    if isinstance(node, ListTypeNode):
        return f"[{_type_text(node.type)}]"
    return str(node.name.value)


# ---------------------------------------------------------------- the SDL


def build_sdl(node_modules: Path, python_site_packages: Path, python: Path) -> tuple[str, list[str]]:
    declarations = read_sdk_declarations((node_modules / "@stigg/api-client-js/src/generated/sdk.d.ts").read_text())
    python_facts = python_sdk_facts(python)
    enums: dict[str, list[str]] = dict(declarations.enums)
    enums.update(python_facts["enums"])
    inputs = input_fields(declarations.aliases, python_facts["inputs"], set(enums))
    typescript = TypescriptIndex(declarations.aliases, enums)
    possible_types = json.loads((node_modules / "@stigg/api-client-js/src/generated/fragments.json").read_text())
    facts = SchemaFacts()
    walker = DocumentWalker(facts, typescript, set(inputs), set(enums), possible_types["possibleTypes"])
    for name, text in sorted(sdk_documents.node_documents(node_modules).items()):
        walker.walk("node", name, parse(text), None)
    for name, text in sorted(sdk_documents.python_documents(python_site_packages).items()):
        walker.walk("python", name, parse(text), python_facts["operations"].get(name))

    # inputs and enums reached from the variables, transitively
    reached_inputs: set[str] = set()
    pending = [name for name in facts.inputs_used]
    for info in list(facts.objects.values()):
        for arguments in info.arguments.values():
            pending += [re.sub(r"[\[\]!]", "", text) for text in arguments.values()]
    while pending:
        name = pending.pop()
        if name in reached_inputs:
            continue
        if name in enums:
            facts.enums_used.add(name)
            continue
        if name in BUILTIN or name in CUSTOM_SCALARS:
            continue
        if name not in inputs:
            facts.problems.append(f"unknown input type {name}")
            continue
        reached_inputs.add(name)
        pending += [re.sub(r"[\[\]!]", "", text) for text in inputs[name].values()]
    for info in facts.objects.values():
        for ref in info.fields.values():
            if ref.named() in enums:
                facts.enums_used.add(ref.named())

    lines = [
        "# Stigg's GraphQL schema as far as @stigg/node-server-sdk and stigg-api-client-v2 reach it.",
        "# Generated by config/graphql/generate_sdl.py from the SDKs' published packages: do not edit by hand.",
        "",
    ]
    lines += [f"scalar {name}" for name in CUSTOM_SCALARS]
    lines.append("")
    interfaces = {name for name in facts.abstract if name in facts.abstract_with_fields}
    for name in sorted(facts.abstract):
        if name in interfaces:
            for member in facts.abstract[name]:
                facts.objects[member].interfaces.add(name)
                for field_name, ref in facts.objects[name].fields.items():
                    facts.objects[member].fields.setdefault(field_name, ref)
    for name in sorted(facts.objects):
        info = facts.objects[name]
        if name in facts.abstract and name not in interfaces:
            continue
        keyword = "interface" if name in interfaces else "type"
        implements = f" implements {' & '.join(sorted(info.interfaces))}" if info.interfaces else ""
        if not info.fields:
            info.fields["_empty"] = TypeRef("Boolean")
        lines.append(f"{keyword} {name}{implements} {{")
        for field_name in sorted(info.fields):
            field_arguments = info.arguments.get(field_name)
            argument_text = ""
            if field_arguments:
                argument_text = "(" + ", ".join(f"{arg}: {kind}" for arg, kind in sorted(field_arguments.items())) + ")"
            lines.append(f"  {field_name}{argument_text}: {info.fields[field_name].sdl()}")
        lines += ["}", ""]
    for name in sorted(set(facts.abstract) - interfaces):
        # members no document selects have no known fields: left out (our resolvers never return them)
        members = sorted(member for member in facts.abstract[name] if member in facts.objects)
        lines += [f"union {name} = {' | '.join(members)}", ""]
    for name in sorted(reached_inputs):
        lines.append(f"input {name} {{")
        lines += [f"  {field_name}: {kind}" for field_name, kind in sorted(inputs[name].items())]
        lines += ["}", ""]
    for name in sorted(facts.enums_used):
        lines.append(f"enum {name} {{")
        lines += [f"  {value}" for value in enums[name]]
        lines += ["}", ""]
    return "\n".join(lines), facts.problems


def main(argv: list[str] | None = None) -> int:
    from tests.sdk import install  # the tests' own installation of the SDKs, pinned

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=SCHEMA_PATH)
    arguments = parser.parse_args(argv)
    node_modules = install.node_modules()
    python = install.python_sdk_interpreter()
    sdl, problems = build_sdl(node_modules, install.python_sdk_site_packages(), python)
    for problem in problems:
        print(problem, file=sys.stderr)
    arguments.output.write_text(sdl)
    EDGE_DIRECTORY.mkdir(exist_ok=True)
    edge_texts = edge_operation_texts(
        sdk_documents.node_documents(node_modules), sdk_documents.python_documents(install.python_sdk_site_packages())
    )
    for name, text in edge_texts.items():
        (EDGE_DIRECTORY / f"{name}.graphql").write_text(text)
    print(json.dumps({"output": str(arguments.output), "lines": sdl.count("\n"), "problems": len(problems)}))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
