from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.support import ensure_support_group
from config.admin_tools import SUPPORT_GROUP
from tests.factories import UserFactory


@pytest.fixture
def support_user(db):
    ensure_support_group()
    user = UserFactory(email="support@perfectparser.test", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return user


@pytest.fixture
def support_client(support_user) -> Client:
    client = Client()
    client.force_login(support_user)
    return client


@pytest.fixture
def superuser_client(db) -> Client:
    user = UserFactory(email="root@perfectparser.test", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client
