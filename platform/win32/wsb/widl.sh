#!/usr/bin/env bash
# Runs widl for wsbapp.idl inside the output folder (widl writes the -H path verbatim into the
# proxy's #include, so the header must be named without a folder), then a second
# `--dlldata-only` run, because passing -h/-p/-u turns dlldata.c off.
# Usage: widl.sh WIDL OUT_DIR IDL_INCLUDE_DIR IDL_FILE
set -euo pipefail
widl=$1 out_dir=$2 idl_inc=$3 idl=$4
case $idl in /*) ;; *) idl=$PWD/$idl ;; esac
case $idl_inc in /*) ;; *) idl_inc=$PWD/$idl_inc ;; esac
cd "$out_dir"
name=$(basename "$idl" .idl)
# -Oif: the default stub mode includes "wine/exception.h", which MinGW does not have.
"$widl" -Oif -I "$idl_inc" \
  -h -H "$name.h" -p -P "${name}_p.c" -u -U "${name}_i.c" "$idl"
"$widl" --dlldata-only -o dlldata.c "$name"
