"""Developer machine: `make run`. Embedded defaults, no services needed."""

import os

os.environ.setdefault("SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("LOG_JSON", "false")
# Demo sign-ins stay one step; set STAFF_2FA_REQUIRED=true to try two-step locally.
os.environ.setdefault("STAFF_2FA_REQUIRED", "false")

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import BASE_DIR, WAI_T_WORDING_FILE, WAI_WORDING_FILE  # noqa: E402

# The demo uses placeholder WAI-SF-C wording, visibly marked as such.
if not WAI_WORDING_FILE:
    WAI_WORDING_FILE = str(
        BASE_DIR / "apps" / "questionnaires" / "instruments" / "wai_sf_c.placeholder-wording.json"
    )
if not WAI_T_WORDING_FILE:
    WAI_T_WORDING_FILE = str(
        BASE_DIR / "apps" / "questionnaires" / "instruments" / "wai_sf_t.placeholder-wording.json"
    )
# ... and placeholder translations of the questionnaires (Dutch), marked as such.
QUESTIONNAIRE_PLACEHOLDER_TRANSLATIONS = True
