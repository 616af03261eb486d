"""What a request may ask: body size, nesting depth, root fields (aliases) and cost, checked before anything runs."""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)

MAX_BODY_BYTES = 256 * 1024  # the SDKs' largest document is 18 kB
MAX_DEPTH = 15  # the SDKs' deepest selection is 9 fields deep
# The cost of a document: the fields of its selection with every fragment expanded, each costing 1 (the SDL has no
# list sizes to weigh them by; ariadne's cost validator would count the same without them).
MAX_FIELDS = 4000  # an SDK's largest document expands to 1,528; an edge read merges two, 2,532
MAX_ROOT_FIELDS = 20  # each SDK operation selects one root field; this bounds aliases of costly roots


def _depth_and_size(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    depth: int,
    visiting: frozenset[str],
) -> tuple[int, int]:
    if selection_set is None:
        return depth, 0
    deepest, size = depth, 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            size += 1
            inner_depth, inner_size = _depth_and_size(selection.selection_set, fragments, depth + 1, visiting)
        elif isinstance(selection, InlineFragmentNode):
            inner_depth, inner_size = _depth_and_size(selection.selection_set, fragments, depth, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:  # unknown or cyclic: graphql-core's own rules report them
                continue
            inner_depth, inner_size = _depth_and_size(fragment.selection_set, fragments, depth, visiting | {name})
        else:
            continue
        deepest = max(deepest, inner_depth)
        size += inner_size
        if size > MAX_FIELDS:
            break
    return deepest, size


class DepthAndSizeLimit(ASTValidationRule):
    """Refuses documents nested deeper than ``MAX_DEPTH`` or selecting more than ``MAX_FIELDS`` fields in all."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fragments = {
            definition.name.value: definition
            for definition in context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        if len(node.selection_set.selections) > MAX_ROOT_FIELDS:
            self.report_error(
                GraphQLError(
                    f"An operation selects at most {MAX_ROOT_FIELDS} root fields.",
                    node,
                    extensions={"code": "QUERY_TOO_COMPLEX"},
                )
            )
        depth, size = _depth_and_size(node.selection_set, self.fragments, 0, frozenset())
        if depth > MAX_DEPTH:
            self.report_error(
                GraphQLError(
                    f"Query is nested {depth} levels deep; at most {MAX_DEPTH} are allowed.",
                    node,
                    extensions={"code": "QUERY_TOO_DEEP"},
                )
            )
        if size > MAX_FIELDS:
            self.report_error(
                GraphQLError(
                    f"Query selects more than {MAX_FIELDS} fields.", node, extensions={"code": "QUERY_TOO_COMPLEX"}
                )
            )


# Rules beside graphql-core's own; they read the document alone (``view.prepared`` keeps their outcome with it).
VALIDATION_RULES = (DepthAndSizeLimit,)
