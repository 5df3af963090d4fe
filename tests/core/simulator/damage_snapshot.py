"""Prints a scenario with one file changed in the first volume's snapshot (a damaged backup).
Usage: damage_snapshot.py SCENARIO LIVE_PATH CONTENTS"""
import json
import sys

scenario = json.load(open(sys.argv[1], encoding="utf-8"))
scenario["machine"]["volumes"][0].setdefault("snapshot_changes", {})[sys.argv[2]] = sys.argv[3]
print(json.dumps(scenario, indent=2))
