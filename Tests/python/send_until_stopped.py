"""Keeps sending Claude Code api_request events to `usage serve` from several threads, each export a new event,
until the server stops answering. Writes the sequence numbers of the events the server accepted (200) to OUT, one
per line, and prints how many were sent, accepted and refused.

Usage: send_until_stopped.py ENDPOINT OUT [THREADS]
"""

import http.client
import json
import sys
import threading
import urllib.parse

endpoint, out_path = sys.argv[1], sys.argv[2]
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 4
url = urllib.parse.urlparse(endpoint)
lock = threading.Lock()
accepted, refused, sent = [], [0], [0]
counter = [0]


def body(sequence):
    def kv(key, value):
        return {"key": key, "value": value}
    record = {"body": {"stringValue": "claude_code.api_request"}, "attributes": [
        kv("event.name", {"stringValue": "api_request"}), kv("session.id", {"stringValue": "stop-test"}),
        kv("prompt.id", {"stringValue": "p"}), kv("event.sequence", {"intValue": str(sequence)}),
        kv("event.timestamp", {"stringValue": "2026-12-01T12:00:00Z"}),
        kv("model", {"stringValue": "claude-haiku-4-5"}), kv("input_tokens", {"intValue": "100"}),
        kv("output_tokens", {"intValue": "10"})]}
    return json.dumps({"resourceLogs": [{"resource": {"attributes": [kv("service.name", {"stringValue": "claude-code"})]},
                                         "scopeLogs": [{"logRecords": [record]}]}]}).encode()


def send():
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    while True:
        with lock:
            counter[0] += 1
            sequence = counter[0]
            sent[0] += 1
        try:
            connection.request("POST", "/v1/logs", body(sequence), {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                with lock:
                    accepted.append(sequence)
            else:
                with lock:
                    refused[0] += 1
        except (OSError, http.client.HTTPException):
            # Stopped: the connection was closed or refused.
            try:
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
            except (OSError, http.client.HTTPException):
                return


workers = [threading.Thread(target=send) for _ in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
with open(out_path, "w") as f:
    f.write("".join(f"{s}\n" for s in sorted(accepted)))
print(json.dumps({"sent": sent[0], "accepted": len(accepted), "refused": refused[0]}))
