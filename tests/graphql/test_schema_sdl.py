"""The schema is Stigg's as far as the official SDKs reach it: every document of both validates against ours, and the
committed SDL is exactly what ``config.graphql.generate_sdl`` makes from the pinned packages."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from config.graphql import edge_generation, generate_sdl, sdk_documents
from config.graphql.schema import SDL_PATH, executable_schema
from tests.sdk import install


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    node = sdk_documents.node_documents(install.node_modules())
    python = sdk_documents.python_documents(install.python_sdk_site_packages())
    assert len(node) == 60 and len(python) == 64  # the pinned releases' operations
    return {
        **{f"node:{name}": text for name, text in node.items()},
        **{f"python:{name}": text for name, text in python.items()},
    }


def test_every_operation_of_both_sdks_validates_against_our_schema(documents: dict[str, str]) -> None:
    schema = executable_schema()
    failures = {name: [error.message for error in validate(schema, parse(text))] for name, text in documents.items()}
    assert {name: messages for name, messages in failures.items() if messages} == {}


def test_a_document_our_schema_cannot_serve_fails_validation() -> None:
    errors = validate(executable_schema(), parse("query { sdkConfiguration { sentryDsn noSuchField } }"))
    assert [error.message for error in errors] == ["Cannot query field 'noSuchField' on type 'SdkConfiguration'."]


def test_the_committed_sdl_is_what_the_generator_makes() -> None:
    sdl, problems = generate_sdl.build_sdl(
        install.node_modules(), install.python_sdk_site_packages(), install.python_sdk_interpreter()
    )
    assert problems == []
    assert sdl == SDL_PATH.read_text(), "run: python -m config.graphql.generate_sdl"


def test_the_committed_edge_documents_are_what_the_generator_makes_and_validate() -> None:
    texts = edge_generation.edge_operation_texts(
        sdk_documents.node_documents(install.node_modules()),
        sdk_documents.python_documents(install.python_sdk_site_packages()),
    )
    committed = {path.stem: path.read_text() for path in generate_sdl.EDGE_DIRECTORY.glob("*.graphql")}
    assert committed == texts, "run: python -m config.graphql.generate_sdl"
    for name, text in texts.items():
        assert [error.message for error in validate(executable_schema(), parse(text))] == [], name
