#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, with the
# internet; `apt-get update` has run). It installs Node.js 20, git and python3, and the harness's
# production dependencies (the AWS SDK, for the live checks that need only the internet).
# Written by `harness gradescope {{id}}`; see docs/gradescope.md.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends ca-certificates curl git python3
# Ubuntu's own nodejs is older than the harness needs (20.12): take Node.js 20 from NodeSource's apt repository.
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null; then
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
  apt-get install -y nodejs
fi
cd /autograder/source/harness
# The harness is already built (dist/): no build step, production packages only.
npm ci --omit=dev --ignore-scripts --no-audit --no-fund
node bin/harness.mjs --version
