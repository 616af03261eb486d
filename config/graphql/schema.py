"""The executable schema: the generated SDL bound to the scalars and to every app's resolvers."""

from __future__ import annotations

import functools
from pathlib import Path

from ariadne import SchemaBindable, make_executable_schema
from django.conf import settings
from django.utils.module_loading import import_string
from graphql import GraphQLSchema

from config.graphql import scalars

SDL_PATH = Path(__file__).with_name("schema.graphql")


def type_definitions() -> str:
    return SDL_PATH.read_text()


@functools.cache
def executable_schema() -> GraphQLSchema:
    bindables: list[SchemaBindable] = list(scalars.bindables)
    for module_path in settings.GRAPHQL_RESOLVERS:
        bindables += import_string(f"{module_path}.bindables")
    return make_executable_schema(type_definitions(), *bindables, convert_names_case=False)
