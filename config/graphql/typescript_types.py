"""Read the GraphQL facts out of ``@stigg/api-client-js``'s ``sdk.d.ts`` (graphql-codegen's TypeScript output).

The file holds every input type of Stigg's schema with its exact scalars (``Scalars['DateTime']``), every enum,
and the result type of every operation and fragment as nested object literals, each carrying the object type it
came from (``__typename?: 'Plan'``). That is enough to recover, for each (object type, field) the documents select,
the field's output type, its nullability and whether it is a list. Used only by ``generate_sdl``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>/\*.*?\*/)
      | (?P<string>'[^']*')
      | (?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)
      | (?P<punct>\?:|[{}()<>\[\];:|&,=?.])
    )""",
    re.VERBOSE | re.DOTALL,
)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip() == "":
                break
            raise ValueError(f"cannot read TypeScript near {text[position : position + 60]!r}")
        position = match.end()
        if match.group("comment"):
            continue
        out.append(match.group(0).strip())
    return out


# ---------------------------------------------------------------- type expressions


@dataclass
class TsObject:
    typename: str | None
    fields: dict[str, tuple[bool, object]] = field(default_factory=dict)  # name -> (optional, type)


@dataclass
class TsArray:
    item: object


@dataclass
class TsUnion:
    members: list[object]


@dataclass
class TsIntersection:
    parts: list[object]


@dataclass
class TsName:
    name: str  # an identifier (string, number, any, an enum, a fragment) or a Scalars['X'] lookup


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.index]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, found {token!r} at token {self.index}")
        self.index += 1
        return token

    def type_expression(self) -> object:
        if self.peek() == "|":
            self.take()
        members = [self.intersection()]
        while self.peek() == "|":
            self.take()
            members.append(self.intersection())
        return members[0] if len(members) == 1 else TsUnion(members)

    def intersection(self) -> object:
        parts = [self.postfix()]
        while self.peek() == "&":
            self.take()
            parts.append(self.postfix())
        return parts[0] if len(parts) == 1 else TsIntersection(parts)

    def postfix(self) -> object:
        node = self.primary()
        while self.peek() == "[" and self.tokens[self.index + 1] == "]":
            self.take()
            self.take()
            node = TsArray(node)
        return node

    def primary(self) -> object:
        token = self.take()
        if token == "{":
            return self.object_literal()
        if token == "(":
            node = self.type_expression()
            self.take(")")
            return node
        if token.startswith("'"):
            return TsName(token)
        if token in {"Array", "Maybe", "InputMaybe"}:
            self.take("<")
            inner = self.type_expression()
            self.take(">")
            if token == "Array":
                return TsArray(inner)
            return TsUnion([inner, TsName("null")])
        if token == "Scalars":
            self.take("[")
            name = self.take().strip("'")
            self.take("]")
            return TsName(f"Scalars.{name}")
        name = token
        while self.peek() == ".":
            self.take()
            name += "." + self.take()
        return TsName(name)

    def object_literal(self) -> TsObject:
        result = TsObject(typename=None)
        while self.peek() != "}":
            name = self.take()
            marker = self.take()
            optional = marker == "?:"
            if marker not in {":", "?:"}:
                raise ValueError(f"expected ':' after {name!r}, found {marker!r}")
            value = self.type_expression()
            if self.peek() in {";", ","}:
                self.take()
            if name == "__typename":
                if isinstance(value, TsName) and value.name.startswith("'"):
                    result.typename = value.name.strip("'")
                continue
            result.fields[name] = (optional, value)
        self.take("}")
        return result


# ---------------------------------------------------------------- declarations

_DECLARATION = re.compile(r"^(?:export )?declare (type|enum) (\w+)(<[^=]*>)? ?(=)?", re.MULTILINE)


@dataclass
class TypescriptFacts:
    """What ``sdk.d.ts`` declares: named type aliases (parsed) and enums (names to values)."""

    aliases: dict[str, object]
    enums: dict[str, list[str]]


def read_sdk_declarations(text: str) -> TypescriptFacts:
    aliases: dict[str, object] = {}
    enums: dict[str, list[str]] = {}
    matches = list(_DECLARATION.finditer(text))
    for position, match in enumerate(matches):
        kind, name = match.group(1), match.group(2)
        end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        if kind == "enum":
            enums[name] = re.findall(r"^\s*\w+ = \"([^\"]*)\"", body.split("}")[0], re.MULTILINE)
            continue
        if match.group(3) or name in {"Scalars", "Exact", "Maybe", "InputMaybe"} or name.endswith("Variables"):
            continue
        # the declaration ends at the first ';' at nesting depth zero
        depth = 0
        for cut, character in enumerate(body):
            if character in "{(<":
                depth += 1
            elif character in "})>":
                depth -= 1
            elif character == ";" and depth == 0:
                body = body[:cut]
                break
        if ("Exact<" in body or "Omit<" in body) and not body.strip().startswith("("):
            continue  # the client's variable and helper types, not results
        try:
            aliases[name] = _Parser(_tokens(body)).type_expression()
        except (ValueError, IndexError):
            continue  # declarations of the client's own helpers, not GraphQL types
    return TypescriptFacts(aliases=aliases, enums=enums)
