"""What the browser tests share: Debian's Chromium and the flags it runs headless with here."""

CHROMIUM = "/usr/bin/chromium"  # installed by `make chromium`; `playwright install` fails offline
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
