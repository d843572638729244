"""Reads a Prometheus text exposition with prometheus_client's own parser and prints it as JSON: one object per
sample, {"family", "type", "name", "labels", "value"}. Exits 1 when the parser refuses the text.

Usage: prom_parse.py URL_OR_FILE [TOKEN]
"""

import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

source = sys.argv[1]
if source.startswith("http"):
    request = urllib.request.Request(source)
    if len(sys.argv) > 2:
        request.add_header("Authorization", f"Bearer {sys.argv[2]}")
    with urllib.request.urlopen(request) as response:
        text = response.read().decode("utf-8")
else:
    with open(source, encoding="utf-8") as f:
        text = f.read()
samples = []
for family in text_string_to_metric_families(text):
    for sample in family.samples:
        samples.append({"family": family.name, "type": family.type, "name": sample.name,
                        "labels": sample.labels, "value": sample.value})
print(json.dumps(samples))
