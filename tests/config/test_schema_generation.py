"""The OpenAPI document generates without a warning and validates: no two components share a name (one would
silently replace the other) and every enum has its intended name."""

from pathlib import Path

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_schema_generates_without_warnings_and_validates(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--file", str(target), "--validate", "--fail-on-warn")

    text = target.read_text()
    assert "\n    EntitlementType:\n" in text
    assert "\n    GrantBillingInformationInput:\n" in text
