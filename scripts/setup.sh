#!/usr/bin/env bash
# Installs everything wsbkit needs on a fresh Debian 12 machine. Idempotent: when all is in place it
# prints nothing and returns in well under 5 s.
#  - apt packages (native + MinGW-w64 toolchains, Wine, Boost, JSON library)
#  - a deb-src entry for bookworm main, and the Boost sources matching the installed headers,
#    unpacked to .deps/boost-src (only the parts the Windows build compiles)
#  - the .idl files widl imports (from libwine-dev), linked into .deps/idl
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/.deps"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

packages=(meson ninja-build pkg-config g++ dpkg-dev procps python3
          g++-mingw-w64-x86-64-posix mingw-w64-tools
          wine wine64 wine64-tools
          libboost-test-dev libboost-program-options-dev
          nlohmann-json3-dev
          python3-jsonschema                    # scenarios checked against docs/scenario.schema.json (tests/cli)
          wixl msitools osslsigncode openssl   # the MSI (wixl), its inspection, Authenticode signing
          clang libclang-rt-14-dev)             # the fuzz targets: libFuzzer, ASan, UBSan (scripts/fuzz.sh)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Boost sources for the MinGW build: exactly the installed header version.
boost_ver=$(dpkg-query -W -f='${Version}' libboost1.74-dev)
stamp="$deps/boost-src/.version"
if [ "$(cat "$stamp" 2>/dev/null)" != "$boost_ver" ]; then
  src_list=/etc/apt/sources.list.d/wsbkit-deb-src.sources
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    echo "setup: adding deb-src entry $src_list"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      | "${sudo_cmd[@]}" tee "$src_list" >/dev/null
    "${sudo_cmd[@]}" apt-get update -qq
  fi
  echo "setup: fetching Boost $boost_ver sources"
  rm -rf "$deps/boost-dl" "$deps/boost-src"
  mkdir -p "$deps/boost-dl" "$deps/boost-src"
  sandbox=()
  [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)   # _apt cannot write here
  (cd "$deps/boost-dl" && apt-get source -qq --download-only "${sandbox[@]}" "boost1.74=$boost_ver" >/dev/null)
  tarball=$(ls "$deps"/boost-dl/boost1.74_*.orig.tar.* | head -n1)
  tar -xf "$tarball" -C "$deps/boost-src" --strip-components=1 --wildcards \
    '*/libs/program_options/src/*' '*/libs/test/src/*'
  rm -rf "$deps/boost-dl"
  echo "$boost_ver" > "$stamp"
fi

# The .idl files widl imports (unknwn.idl, objidl.idl, ...): Wine's, shipped by libwine-dev.
if [ ! -e "$deps/idl/unknwn.idl" ]; then
  idl_dir=$(dirname "$(dpkg -L libwine-dev | grep '/unknwn.idl$' | head -n1)")
  mkdir -p "$deps"
  ln -sfn "$idl_dir" "$deps/idl"
fi

# The cross compiler sees Boost's headers through a folder holding only a `boost` symlink.
if [ ! -e "$deps/boost-include/boost" ]; then
  mkdir -p "$deps/boost-include"
  ln -sfn /usr/include/boost "$deps/boost-include/boost"
fi

# nlohmann/json for the cross compiler, the same way.
if [ ! -e "$deps/json-include/nlohmann" ]; then
  mkdir -p "$deps/json-include"
  ln -sfn /usr/include/nlohmann "$deps/json-include/nlohmann"
fi

# Consistency checks: pugixml (writer metadata XML), xxHash (XXH128 manifests), xxhsum (the
# benchmark's reference side), OpenSSL's libcrypto (SHA-256 manifests, native build).
# Installed quietly when missing.
check_packages=(libpugixml-dev libxxhash-dev xxhash libssl-dev)
check_missing=()
for p in "${check_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || check_missing+=("$p")
done
if [ ${#check_missing[@]} -gt 0 ]; then
  echo "setup: installing ${check_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${check_missing[@]}" >/dev/null
fi

# xxHash is header-only (XXH_INLINE_ALL): the cross compiler sees xxhash.h/xxh3.h through a folder
# holding only symlinks to them.
if [ ! -e "$deps/xxhash-include/xxhash.h" ]; then
  mkdir -p "$deps/xxhash-include"
  ln -sfn /usr/include/xxhash.h "$deps/xxhash-include/xxhash.h"
  ln -sfn /usr/include/xxh3.h "$deps/xxhash-include/xxh3.h"
fi

# pugixml for the MinGW build: Debian ships no pugixml.cpp, so the sources of the installed version
# (apt-get source, like Boost above; the deb-src entry exists by now) go to .deps/pugixml-src.
pugi_ver=$(dpkg-query -W -f='${Version}' libpugixml-dev)
pugi_stamp="$deps/pugixml-src/.version"
if [ "$(cat "$pugi_stamp" 2>/dev/null)" != "$pugi_ver" ]; then
  echo "setup: fetching pugixml $pugi_ver sources"
  rm -rf "$deps/pugixml-dl" "$deps/pugixml-src"
  mkdir -p "$deps/pugixml-dl" "$deps/pugixml-src"
  pugi_sandbox=()
  [ "$(id -u)" -ne 0 ] || pugi_sandbox=(-o APT::Sandbox::User=root)
  (cd "$deps/pugixml-dl" && apt-get source -qq --download-only "${pugi_sandbox[@]}" "pugixml=$pugi_ver" >/dev/null)
  pugi_tarball=$(ls "$deps"/pugixml-dl/pugixml_*.orig.tar.* | head -n1)
  tar -xf "$pugi_tarball" -C "$deps/pugixml-src" --strip-components=2 --wildcards \
    '*/src/pugixml.cpp' '*/src/pugixml.hpp' '*/src/pugiconfig.hpp'
  rm -rf "$deps/pugixml-dl"
  echo "$pugi_ver" > "$pugi_stamp"
fi
