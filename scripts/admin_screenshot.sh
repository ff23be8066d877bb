#!/usr/bin/env bash
# Refresh the admin screenshot the baked README shows: run the admin's browser test (a served
# bake, Debian's chromium) and copy the todo list it photographed into the template.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
image='{{cookiecutter.project_slug}}/docs/admin-todos.png'
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT
TEMPLATE_TEST_ARTIFACTS=$artifacts bash "$repo/scripts/test.sh" -n 0 "$@" \
    "$repo/tests/test_admin_browser.py"
cp "$artifacts/admin-todos.png" "$repo/$image"
echo "Wrote $image"
