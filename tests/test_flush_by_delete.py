"""The flush that ends a transactional test deletes every row of every table, parents before children included."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.api_keys import api_key_create


@pytest.mark.django_db(transaction=True)
def test_a_flush_deletes_the_rows_of_every_table_instead_of_truncating() -> None:
    api_key_create(name="flushed", now=timezone.now())
    user = User.objects.create_user("operator")
    # ``auth_group`` is emptied before ``auth_user_groups`` still pointing at it: the deferred key allows it
    user.groups.add(Group.objects.create(name="operators"))

    with CaptureQueriesContext(connection) as queries:
        # as a transactional test's teardown calls it (which then lets post_migrate restore the content types)
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True)

    statements = [query["sql"] for query in queries.captured_queries]
    assert not [statement for statement in statements if "TRUNCATE" in statement.upper()]
    deleted = {statement.split('"')[1] for statement in statements if statement.startswith("DELETE FROM")}
    assert deleted == set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    assert [model.__name__ for model in apps.get_models() if model._default_manager.exists()] == []
