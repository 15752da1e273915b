#!/usr/bin/env bash
# Fetch the partial plotly.js bundle the dashboard serves (dvcq/insights/static/vendor/) from the npm registry with
# `npm pack`, check its SHA-256, and copy the bundle and its licence into the repository.
#
#   bash scripts/update_plotly_bundle.sh                    # re-fetch the pinned version, check it is unchanged
#   bash scripts/update_plotly_bundle.sh 4.2.0 <sha256>     # move to another version (its hash, once checked by hand)
#
# The version must be the plotly.js version the installed `plotly` Python package ships (the figures' JSON is built
# for it): `.venv/bin/python -c 'from plotly.offline import get_plotlyjs_version as v; print(v())'`. After an update,
# write the new version and hash into dvcq/insights/static/vendor/README.md (the tests read them there).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=plotly.js-cartesian-dist-min
FILE=plotly-cartesian.min.js
VERSION=${1:-4.1.1}
SHA256=${2:-79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a}
DEST=dvcq/insights/static/vendor

command -v npm >/dev/null || { echo "npm is needed (apt-get install npm)" >&2 && exit 1; }
work=$(mktemp -d /tmp/dvcq-plotly.XXXXXX)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tar -xzf "$work/$PACKAGE-$VERSION.tgz" -C "$work"
got=$(sha256sum "$work/package/$FILE" | cut -d' ' -f1)
if [ "$got" != "$SHA256" ]; then
  echo "SHA-256 of $PACKAGE@$VERSION/$FILE is $got, expected $SHA256: not copied" >&2
  exit 1
fi
header=$(head -c 200 "$work/package/$FILE")
case "$header" in
  *"v$VERSION"*) ;;
  *) echo "$FILE does not announce v$VERSION in its header" >&2 && exit 1 ;;
esac
mkdir -p "$DEST"
install -m 644 "$work/package/$FILE" "$DEST/$FILE"
install -m 644 "$work/package/LICENSE" "$DEST/LICENSE"
echo "$PACKAGE@$VERSION: $DEST/$FILE ($(stat -c %s "$DEST/$FILE") bytes, sha256 $got) and LICENSE"
