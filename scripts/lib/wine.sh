# Wine prefix lifecycle for wsbkit's builds and tests (sourced, not run).
# Rules measured on Wine 8 (see docs/architecture.md, "Wine in CI"):
#  - a brand-new prefix is initialised with `wineboot -i` and waited for BEFORE anything else,
#  - then one wineserver is kept alive and warmed up outside the test runner, so Wine's
#    background processes do not inherit a test's stdout/stderr pipes,
#  - always end with `wineserver -k`.
# Usage: wine_up PREFIX_DIR; ...; wine_down   (wine_up installs an EXIT trap calling wine_down)

wine_up() {
  export WINEPREFIX="$1"
  export WINEDEBUG=-all
  export WINEARCH=win64
  export WINEDLLOVERRIDES="mscoree,mshtml="   # no Mono/Gecko install dialogs
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "wine: creating prefix $WINEPREFIX (once, ~15 s)"
    mkdir -p "$WINEPREFIX"
    wineboot -i >/dev/null 2>&1 </dev/null
    if ! timeout 300 wineserver -w; then
      echo "wine: the new prefix $WINEPREFIX did not settle within 300 s" >&2
      return 1
    fi
    # Wine's services.exe gives a starting service 10 s to connect to the SCM, then kills it
    # (sc query: WIN32_EXIT_CODE 1077). On a loaded 2-core CI machine a cold static EXE in a new
    # prefix has missed that; Windows' own default is 30 s. services.exe reads the value when it
    # starts, so the prefix is restarted once after writing it.
    wine reg add 'HKLM\System\CurrentControlSet\Control' /v ServicesPipeTimeout /t REG_SZ /d 120000 /f \
      >/dev/null 2>&1 </dev/null || { echo "wine: cannot set ServicesPipeTimeout in $WINEPREFIX" >&2; return 1; }
    wineserver -k >/dev/null 2>&1 || true
    timeout 60 wineserver -w >/dev/null 2>&1 || true
  fi
  wineserver -p >/dev/null 2>&1 </dev/null
  wine cmd /c exit >/dev/null 2>&1 </dev/null
  trap wine_down EXIT
}

wine_down() {
  [ -n "${WINEPREFIX:-}" ] || return 0
  wineserver -k >/dev/null 2>&1 || true
  timeout 60 wineserver -w >/dev/null 2>&1 || true
}

# Restart the wineserver: needed after a local COM server was killed on purpose, because Wine's
# rpcss keeps the dead class registration and every later activation would fail with 0x800706BA.
wine_restart() {
  wine_down
  wineserver -p >/dev/null 2>&1 </dev/null
  wine cmd /c exit >/dev/null 2>&1 </dev/null
}
