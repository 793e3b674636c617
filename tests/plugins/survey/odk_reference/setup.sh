#!/usr/bin/env bash
# Install the ODK ecosystem's XPath evaluators for the survey plugin's differential test
# (test_odk_reference.py): Enketo's openrosa-xpath-evaluator and ODK Web Forms' @getodk/xpath.
#
# openrosa-xpath-evaluator and the runtime dependencies come from package-lock.json (npm ci).
# @getodk/xpath cannot be installed by npm: it names @getodk/common, which the registry does not
# serve, although the published bundle already holds everything it uses of it. Its tarball is
# fetched with npm pack, checked against the integrity below and unpacked in place; what the
# bundle imports (temporal-polyfill; crypto-js) is in package.json.
set -euo pipefail
cd "$(dirname "$0")"

XPATH_VERSION=0.11.0
XPATH_INTEGRITY="sha512-m/rdnXBvH6v2WidlYToQckRvo+S/6NAS1TuAEl+HvqTYgvVIuFIQJRiNZt/V3ZCMO59qNsqY/sna/zGcBYrXTg=="

npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack "@getodk/xpath@${XPATH_VERSION}" --pack-destination "$work" --loglevel=error >/dev/null
tarball="$work/getodk-xpath-${XPATH_VERSION}.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$XPATH_INTEGRITY" ]; then
    echo "@getodk/xpath ${XPATH_VERSION}: integrity $actual, expected $XPATH_INTEGRITY" >&2
    exit 1
fi
mkdir -p node_modules/@getodk/xpath
tar -xzf "$tarball" -C node_modules/@getodk/xpath --strip-components=1
echo "ODK reference evaluators installed in $(pwd)/node_modules"
