"""Both SDKs initialise against our server: the SDK configuration loads, a bad key is refused as Stigg refuses it."""

from __future__ import annotations

import pytest

from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


def test_node_sdk_initialises_and_loads_its_configuration(node_sdk: NodeSdk) -> None:
    assert node_sdk.run("return { initialised: true, events }") == {"initialised": True, "events": []}


def test_node_sdk_with_a_bad_key_fails_to_initialise_and_says_why(node_sdk: NodeSdk) -> None:
    node_sdk.api_key = "mbo_not-a-key"
    error = node_sdk.error("return 'unreachable'")
    assert error["initialisation"] is True
    # a 401, as Stigg answers a bad key: the SDK reports a failed request (its apiKeyInvalid needs axios or a code)
    assert error["events"] and {event["name"] for event in error["events"]} == {"networkRequestFailed"}


def test_python_sdk_with_a_bad_key_gets_a_401(python_sdk: PythonSdk) -> None:
    python_sdk.api_key = "mbo_not-a-key"
    result = python_sdk.run(
        "try:\n    client.get_sdk_configuration()\nexcept generated.GraphQLClientHttpError as error:\n"
        "    result = error.status_code"
    )
    assert result == 401


def test_python_sdk_reads_the_sdk_configuration(python_sdk: PythonSdk) -> None:
    result = python_sdk.run("result = client.get_sdk_configuration()")
    assert result == {
        "sdkConfiguration": {"sentryDsn": None, "isWidgetWatermarkEnabled": False, "showWatermark": False}
    }
