"""Every list of objects in the API's input serializers refuses null items (``config.serializers.nullable_list``)."""

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest
from rest_framework import serializers

APPS = ("catalog", "customers", "subscriptions", "entitlements", "metering", "credits")


def input_serializers() -> Iterator[type[serializers.Serializer]]:
    for app in APPS:
        package = importlib.import_module(f"{app}.apis")
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{app}.apis.{module_info.name}")
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, serializers.Serializer) and value.__module__ == module.__name__:
                    yield value


def lists_with_nullable_items(serializer: serializers.Serializer, path: str = "") -> Iterator[str]:
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ListSerializer):
            if field.child.allow_null:
                yield f"{path}{name}"
            yield from lists_with_nullable_items(field.child, f"{path}{name}[].")
        elif isinstance(field, serializers.Serializer):
            yield from lists_with_nullable_items(field, f"{path}{name}.")


def test_the_input_serializers_are_found() -> None:
    names = {serializer.__name__ for serializer in input_serializers()}
    assert {"SubscriptionUpdateInput", "CustomerUpdateInput", "UsageReportInput"} <= names


@pytest.mark.parametrize("serializer", list(input_serializers()), ids=lambda serializer: serializer.__qualname__)
def test_no_list_of_objects_takes_null_items(serializer: type[serializers.Serializer]) -> None:
    assert list(lists_with_nullable_items(serializer())) == []


def test_drf_many_with_allow_null_would_take_null_items() -> None:
    """Why ``nullable_list`` exists: the check above sees the DRF behaviour it guards against."""

    class Item(serializers.Serializer):
        id = serializers.CharField()

    class Body(serializers.Serializer):
        items = Item(many=True, allow_null=True)

    assert list(lists_with_nullable_items(Body())) == ["items"]
