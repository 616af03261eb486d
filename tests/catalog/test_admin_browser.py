"""The operator console in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``)."""

import os
import tempfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from catalog.models import PackageVersion
from catalog.services.packages import package_create

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
]
PASSWORD = "operator-password"


def submit_and_wait(browser: WebDriver, button: WebElement, *, title: str) -> None:
    """Click a submit button and wait for the page it leads to (by its title), so no check reads the old page."""
    button.click()
    WebDriverWait(browser, 10).until(expected_conditions.title_is(f"{title} | Django site admin"))


def require_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return
    reason = f"{' and '.join(missing)} missing: apt-get install -y chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test: {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        driver.implicitly_wait(5)
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture
def team_draft(transactional_db: None) -> PackageVersion:
    call_command("loaddemo", stdout=StringIO())
    User.objects.create_superuser(username="operator", email="", password=PASSWORD)
    return package_create(kind="PLAN", ref_id="team", product_ref_id="revvenu", display_name="Team", now=timezone.now())


def test_operator_publishes_a_draft_plan_from_the_changelist(
    live_server: LiveServer, browser: WebDriver, team_draft: PackageVersion, tmp_path: Path
) -> None:
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys("operator")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit]"), title="Site administration")
    assert browser.find_element(By.ID, "user-tools").text.startswith("WELCOME, OPERATOR")

    browser.get(f"{live_server.url}/admin/catalog/packageversion/{team_draft.pk}/change/")
    assert browser.find_element(By.ID, "id_display_name").get_attribute("value") == "Team"
    assert browser.find_element(By.CSS_SELECTOR, ".field-status_badge .catalog-badge").text == "DRAFT"

    browser.get(f"{live_server.url}/admin/catalog/package/?kind__exact=PLAN")
    browser.find_element(By.CSS_SELECTOR, f"input[name=_selected_action][value='{team_draft.package_id}']").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("publish_draft")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[name=index]"), title="Publish drafts")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Publish drafts"
    publish = browser.find_element(By.CSS_SELECTOR, "#publish-draft-form input[name=apply]")
    submit_and_wait(browser, publish, title="Select package to change")

    assert [item.text for item in browser.find_elements(By.CSS_SELECTOR, "ul.messagelist li")] == [
        "Published: team v1."
    ]
    team_row = browser.find_element(By.XPATH, "//tr[.//a[normalize-space()='team']]")
    assert team_row.find_element(By.CSS_SELECTOR, ".catalog-badge").text == "PUBLISHED"
    screenshot = tmp_path / "admin-published.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 0
    team_draft.refresh_from_db()
    assert (team_draft.status, team_draft.is_latest) == ("PUBLISHED", True)
