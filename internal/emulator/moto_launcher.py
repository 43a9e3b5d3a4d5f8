"""Serves moto (the AWS emulator) for easytocloud's tests.

It binds 127.0.0.1 on a port the kernel picks, prints "READY <port>" on stdout, and
serves moto's own application plus two read-only routes: GET /_easytocloud/sms returns
every SMS message moto's SNS backend recorded, GET /_easytocloud/email every e-mail its
SES backend recorded (SES v1 and v2 share it), both as JSON. It exits as soon as its
standard input reaches end of file, so it never outlives the test process that started
it, even when that process is killed.
"""

import email
import email.policy
import email.utils
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


def addresses(values):
    """The bare addresses of a list of recipients ("Ann <ann@example.com>" → ann@example.com),
    each once (a raw message lists those of its headers again)."""
    out = []
    for v in values or []:
        a = email.utils.parseaddr(v)[1] or v
        if a.lower() not in (o.lower() for o in out):
            out.append(a)
    return out


def raw_parts(raw_data):
    """The subject and the plain-text body (else the HTML one) of a raw message; empty
    strings for what cannot be read (the raw message is returned as well)."""
    try:
        msg = email.message_from_string(raw_data, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain", "html"))
        return str(msg.get("Subject", "")), part.get_content() if part is not None else ""
    except Exception:  # a malformed message is still a message that was sent
        return "", ""


def email_messages():
    """Every message moto's SES recorded, in each backend in the order sent: simple ones
    (subject, body: the HTML part when there is one, else the text), raw ones (parsed,
    and the raw text; every recipient in "to") and templated ones (template, its data
    as the body)."""
    from moto.ses.models import ses_backends

    out = []
    for account_id, regions in list(ses_backends.items()):
        for region, backend in list(regions.items()):
            for m in list(backend.sent_messages):
                item = {"account": account_id, "region": region, "id": getattr(m, "id", ""), "source": m.source}
                if hasattr(m, "raw_data"):
                    subject, body = raw_parts(m.raw_data)
                    item.update(to=addresses(m.destinations), subject=subject, body=body, raw=m.raw_data)
                elif hasattr(m, "template"):
                    dest = m.destinations if isinstance(m.destinations, dict) else {}
                    item.update(to=addresses(dest.get("ToAddresses")), cc=addresses(dest.get("CcAddresses")),
                                bcc=addresses(dest.get("BccAddresses")), template=m.template, body=m.template_data)
                else:
                    dest = m.destinations or {}
                    item.update(to=addresses(dest.get("ToAddresses")), cc=addresses(dest.get("CcAddresses")),
                                bcc=addresses(dest.get("BccAddresses")), subject=m.subject, body=m.body)
                out.append(item)
    return out


def json_response(start_response, value):
    body = json.dumps(value).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


# moto runs a TransactWriteItems by deep-copying the tables it touches and, when a
# condition fails, putting the copies back: a transaction that fails while another
# request commits erases that commit (seen as two winners of one single-use code).
# Real DynamoDB is atomic per request, so the emulator takes DynamoDB requests one at
# a time; clients still race each other, and their conditions still decide.
dynamodb_lock = threading.Lock()


READ_ROUTES = {"/_easytocloud/sms": sms_messages, "/_easytocloud/email": email_messages}


class App:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            route = READ_ROUTES.get(environ.get("PATH_INFO"))
            if route is not None:
                return json_response(start_response, route())
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
