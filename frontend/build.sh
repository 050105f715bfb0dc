#!/usr/bin/env bash
# Build Tandem's CSS and vendored JavaScript into ../static/.
# The outputs are committed, so CI and servers never need Node.
# Run from anywhere: bash frontend/build.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
static="$here/../static"
cd "$here"

npm ci --no-audit --no-fund --ignore-scripts

mkdir -p "$static/css" "$static/vendor"

# --quiet-deps hides deprecation warnings raised inside govuk-frontend itself.
npx --no-install sass \
  --no-source-map \
  --style=compressed \
  --quiet-deps \
  --load-path=node_modules \
  scss/app.scss "$static/css/app.css"

cp node_modules/htmx.org/dist/htmx.min.js "$static/vendor/htmx.min.js"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$static/vendor/govuk-frontend.min.js"

# Guard the "no GOV.UK branding" decision.
if grep -Eq 'GDS Transport|govuk-crest|/assets/' "$static/css/app.css"; then
  echo "build.sh: GOV.UK font or image reference found in app.css" >&2
  exit 1
fi

echo "Built $(wc -c < "$static/css/app.css") bytes of CSS; vendored htmx $(node -p 'require("./node_modules/htmx.org/package.json").version') and govuk-frontend $(node -p 'require("./node_modules/govuk-frontend/package.json").version')."
