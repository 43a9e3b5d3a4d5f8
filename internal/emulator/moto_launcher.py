"""Serves moto (the AWS emulator) for easytocloud's tests.

It binds 127.0.0.1 on a port the kernel picks, prints "READY <port>" on stdout, and
serves moto's own application plus one read-only route, GET /_easytocloud/sms, which
returns every SMS message moto's SNS backend recorded as JSON. It exits as soon as its
standard input reaches end of file, so it never outlives the test process that started
it, even when that process is killed.
"""

import json
import os
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server


def sms_messages():
    from moto.sns.models import sns_backends

    out = []
    for account_id, regions in list(sns_backends.items()):
        for region, backend in list(regions.items()):
            for message_id, (phone, text) in list(backend.sms_messages.items()):
                out.append(
                    {
                        "account": account_id,
                        "region": region,
                        "id": message_id,
                        "phone_number": phone,
                        "text": text,
                    }
                )
    return out


# moto runs a TransactWriteItems by deep-copying the tables it touches and, when a
# condition fails, putting the copies back: a transaction that fails while another
# request commits erases that commit (seen as two winners of one single-use code).
# Real DynamoDB is atomic per request, so the emulator takes DynamoDB requests one at
# a time; clients still race each other, and their conditions still decide.
dynamodb_lock = threading.Lock()


class App:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_easytocloud/sms" and environ.get("REQUEST_METHOD") == "GET":
            body = json.dumps(sms_messages()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with dynamodb_lock:
                return list(self.moto(environ, start_response))
        return self.moto(environ, start_response)


def watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = make_server("127.0.0.1", port, App(), threaded=True)
    threading.Thread(target=watch_stdin, daemon=True).start()
    print("READY %d" % server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
