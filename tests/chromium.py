"""Headless Chromium for the page tests (the asv site, the HTML report).

Debian's ``chromium`` and ``chromium-driver`` (installed with apt-get when missing), or the
browser named by ``JAXNP_CHROMIUM`` / ``JAXNP_CHROMEDRIVER`` (CI's Chrome), driven by
selenium through an explicit ``Service``: nothing downloads a browser.  The browser's
console and network logs are switched on, so a test can assert that a page logged no
error and asked for nothing outside the machine.
"""

import json
import os
import shutil
import subprocess

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync")


def chromium_paths() -> tuple[str, str]:
    """(browser, chromedriver), installing Debian's packages when they are missing."""
    chromium = os.environ.get("JAXNP_CHROMIUM", "/usr/bin/chromium")
    driver = os.environ.get("JAXNP_CHROMEDRIVER", "/usr/bin/chromedriver")
    if not (os.path.exists(chromium) and os.path.exists(driver)) and shutil.which("apt-get"):
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        subprocess.run(sudo + ["apt-get", "update", "-q"], check=False)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium",
                               "chromium-driver"], check=False)
    if not (os.path.exists(chromium) and os.path.exists(driver)):
        pytest.fail(f"need Chromium and chromedriver ({chromium}, {driver}); apt-get could not install them")
    return chromium, driver


def start(window_size: str):
    """A headless browser with console and network logging; the caller quits it."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS + (f"--window-size={window_size}",):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


def severe_errors(driver) -> list[str]:
    """The console's errors since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested_urls(driver) -> list[str]:
    """Every URL the browser requested since the last call (from the performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls
