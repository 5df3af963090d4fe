#!/usr/bin/env bash
# Builds wsbkit's MSI with wixl (msitools) from a cross build:
#   scripts/build-msi.sh BUILD_DIR OUT.msi [--next]
# BUILD_DIR holds the built wsbkit.exe, wsbkit-addin.exe, wsbkit-ps.dll and wsbkit-msi.dll (built
# with `ninja -C BUILD_DIR src/cli/wsbkit.exe src/addin/wsbkit-addin.exe src/ps/wsbkit-ps.dll
# src/msi/wsbkit-msi.dll`); they are stripped into the package, whose ProductVersion is the Meson
# project version. --next packages the 'next' variant instead (src/resources/meson.build: the same
# sources built as the next patch version, wsbkit-next.exe etc.), the upgrade that
# tests/wine/msi_test.sh installs over the release. Prints the MSI's path.
# Signing (docs/deploying.md): with WSBKIT_SIGN_CERT and WSBKIT_SIGN_KEY (PEM files; optional
# WSBKIT_SIGN_TIMESTAMP, a timestamp server URL) every binary is signed with osslsigncode before it
# goes into the package, and then the MSI itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: build-msi.sh BUILD_DIR OUT.msi [--next]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
build=$(cd "$1" && pwd)
out=$2
version=$(sed -n "s/^ *version *: *'\([0-9.]*\)'.*/\1/p" "$root/meson.build" | head -n1)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "build-msi: bad project version '$version'" >&2; exit 2; }
suffix=
if [ $# -eq 3 ]; then
  [ "$3" = --next ] || usage
  IFS=. read -r major minor patch <<< "$version"
  version="$major.$minor.$((patch + 1))" suffix=-next
fi

stage=$(mktemp -d "$build/msi-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,docs,schemas,samples}
for f in src/cli/wsbkit.exe src/addin/wsbkit-addin.exe src/ps/wsbkit-ps.dll src/msi/wsbkit-msi.dll; do
  built="$build/${f%.*}$suffix.${f##*.}"
  [ -f "$built" ] || { echo "build-msi: $built is not built" >&2; exit 1; }
  x86_64-w64-mingw32-strip -o "$stage/bin/$(basename "$f")" "$built"
done
sign() {  # sign IN OUT
  local args=(sign -certs "$WSBKIT_SIGN_CERT" -key "$WSBKIT_SIGN_KEY" -n wsbkit -h sha256)
  [ -z "${WSBKIT_SIGN_TIMESTAMP:-}" ] || args+=(-ts "$WSBKIT_SIGN_TIMESTAMP")
  osslsigncode "${args[@]}" -in "$1" -out "$2" >/dev/null || { echo "build-msi: signing $1 failed" >&2; exit 1; }
}
signing=${WSBKIT_SIGN_CERT:+yes}
if [ -n "$signing" ]; then
  for f in "$stage"/bin/*; do sign "$f" "$f.signed" && mv "$f.signed" "$f"; done
fi
cp "$root/README.md" "$root/docs/deploying.md" "$root/docs/architecture.md" "$stage/docs/"
cp "$root/docs/policy.schema.json" "$stage/schemas/"
cp "$root/src/msi/sample-policy.json" "$stage/samples/"
# wixl resolves Source paths relative to the working directory. Its GLib warnings about attributes
# it does not know are dropped; errors still fail the build.
(cd "$stage" && wixl -a x64 -D "Version=$version" -o "$stage/wsbkit.msi" "$root/src/msi/wsbkit.wxs" 2> "$stage/wixl.log") || {
  cat "$stage/wixl.log" >&2; exit 1; }
# wixl writes Execute="rollback" as an immediate action (type 2113: no InScript/Rollback bits), so
# RegisterRollback would run while the script is built, with no CustomActionData: set its type to
# a rollback DLL action (1 DLL in Binary + 64 continue on error + 256 rollback + 1024 in script +
# 2048 no impersonation), and check that it took.
msibuild "$stage/wsbkit.msi" -q "UPDATE CustomAction SET Type = 3393 WHERE Action = 'RegisterRollback'"
(cd "$stage" && msidump -t wsbkit.msi >/dev/null && grep -q "^RegisterRollback	3393	" CustomAction.idt) || {
  echo "build-msi: RegisterRollback is not a rollback action" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
if [ -n "$signing" ]; then sign "$stage/wsbkit.msi" "$out"; else mv "$stage/wsbkit.msi" "$out"; fi
echo "$out"
