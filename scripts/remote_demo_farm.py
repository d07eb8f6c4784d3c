#!/usr/bin/env python3
"""Writes the demo farm with its venues on an exchange node.

usage: remote_demo_farm.py DEMO_FARM OUT PORT POLICIES

DEMO_FARM is examples/single_node/farm.toml; OUT gets the same farm whose
venues sim-a (backup sim-b) and sim-b are remote, at 127.0.0.1:PORT, and
whose policies file is POLICIES (an absolute path, so OUT works from any
folder). Used by scripts/acceptance.sh and tests/integration/money_remote_test.sh.
"""
import sys

src, dst, port, policies = sys.argv[1:5]
s = open(src).read().replace('"../policies/default.toml"', '"' + policies + '"')
a = s.index('  [[exchange.venue]]\n  name = "sim-a"')
b = s.index('  [[exchange.session]]')
s = s[:a] + f'''  [[exchange.venue]]
  name = "sim-a"
  kind = "remote"
  endpoint = "127.0.0.1:{port}"
  backup = "sim-b"
  [[exchange.venue]]
  name = "sim-b"
  kind = "remote"
  endpoint = "127.0.0.1:{port}"

''' + s[b:]
open(dst, 'w').write(s)
