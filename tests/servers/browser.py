"""A real browser for the board's tests: Debian's Chromium, driven through its
chromium-driver by Selenium, headless, with a fresh profile, nothing downloaded (the paths
are given, so Selenium Manager never runs) and no background networking.

Where Chromium, its driver or Selenium is missing, the tests are skipped with the install
hint, except in CI (``CI`` set), where they fail: CI never skips (``tests/run.sh`` installs
the packages as root).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from .fixtures import unless_present

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "Chromium is not installed: apt-get install chromium chromium-driver (tests/run.sh does it as root)"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--disable-extensions", "--no-default-browser-check", "--disable-dev-shm-usage", "--hide-scrollbars")


def require_browser() -> None:
    missing = ""
    if not (CHROMIUM.exists() and DRIVER.exists()):
        missing = INSTALL_HINT
    else:
        try:
            import selenium  # noqa: F401
        except ImportError:
            missing = "selenium is not installed: pip install -e '.[test]'"
    unless_present(missing, "browser")


class Browser:
    """One headless Chromium. ``load(path, width)`` opens a file at a viewport ``width``
    CSS pixels wide; ``requests()`` are the network requests it made since, ``errors()``
    the console's errors."""

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="board-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)

    def load(self, path: Path, width: int, height: int = 900, dark: bool = False, media: str = "") -> None:
        d = self.driver
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "media": media, "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
        self.requests()  # forget what came before
        self.errors()
        d.get(path.resolve().as_uri())

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def requests(self) -> list[str]:
        """The URLs the page asked for (performance log: Network.requestWillBeSent)."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]

    def screenshot(self, target: Path) -> None:
        """The whole page (the viewport stretched to the page's height), as PNG."""
        d = self.driver
        metrics = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width = int(d.execute_script("return window.innerWidth"))
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": int(size["height"]), "deviceScaleFactor": 1,
                           "mobile": width < 600})
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(d.get_screenshot_as_png())

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
