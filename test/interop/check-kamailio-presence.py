#!/usr/bin/env python3
"""Standalone check of test/interop/kamailio-presence-peer.cfg (no Tandem).

Creates a temporary directory with the SQLite database (sqlite3 CLI, the
Debian schema files standard-create.sql then presence-create.sql), the
permissions address file and a substituted copy of the cfg, starts
    kamailio -f DIR/kamailio.cfg -DD -E -n 1 -w DIR -P DIR/kamailio.pid
on 127.0.0.3 (a free UDP port) and plays raw SIP over UDP (python3 standard
library only):
    dave     127.0.0.30  a user registered to Kamailio, publishes its presence
    erin     127.0.0.31  a watcher registered to Kamailio
    tandem   127.0.0.32  a fake Tandem partition (@TANDEM_ADDR@:@TANDEM_PORT@,
                         trusted through the address file)
    outsider 127.0.0.33  neither registered nor trusted
Exits 0 when every check passed (each one is printed), 1 otherwise (with
Kamailio's log). Stops Kamailio itself.

    python3 test/interop/check-kamailio-presence.py [--keep] [--verbose] [--cfg FILE]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
CFG = os.path.join(HERE, "kamailio-presence-peer.cfg")
SCHEMA = "/usr/share/kamailio/db_sqlite"
SCHEMA_FILES = ["standard-create.sql", "presence-create.sql"]

KAM = "127.0.0.3"
DAVE = "127.0.0.30"
WATCHER = "127.0.0.31"
TANDEM = "127.0.0.32"
OUTSIDER = "127.0.0.33"

VERBOSE = False
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "o": "event", "k": "supported", "s": "subject", "r": "refer-to"}


class CheckFailed(Exception):
    pass


def free_udp_port(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def new_id():
    return uuid.uuid4().hex[:12]


def pidf(user, basic, note):
    return ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
            '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:%s@example.com">\r\n'
            '<tuple id="t-%s"><status><basic>%s</basic></status></tuple>\r\n'
            '<note>%s</note>\r\n'
            '</presence>\r\n' % (user, user, basic, note))


class Msg:
    """A parsed SIP message."""

    def __init__(self, data, source):
        self.raw = data.decode("utf-8", "replace")
        self.source = source
        head, _, body = self.raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            self.headers.append((COMPACT.get(name, name), value.strip()))
        self.body = body
        parts = self.first.split(" ", 2)
        self.is_response = parts[0].startswith("SIP/")
        self.code = int(parts[1]) if self.is_response else 0
        self.method = self.cseq_method() if self.is_response else parts[0]
        self.ruri = None if self.is_response else parts[1]

    def all(self, name):
        return [v for n, v in self.headers if n == name.lower()]

    def hdr(self, name):
        values = self.all(name)
        return values[0] if values else None

    def cseq_method(self):
        cseq = self.hdr("cseq") or ""
        return cseq.split()[-1] if cseq else ""

    def tag(self, name):
        m = re.search(r";\s*tag=([^;>\s]+)", self.hdr(name) or "")
        return m.group(1) if m else None

    def key(self):
        return (self.is_response, self.hdr("call-id"), self.hdr("cseq"), self.code,
                (self.hdr("via") or "").split(",")[0])

    def __str__(self):
        return self.raw


class UA:
    """A UDP SIP endpoint that collects what it receives and answers 200 to NOTIFYs."""

    def __init__(self, name, addr, kam):
        self.name = name
        self.addr = addr
        self.kam = kam
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, 0))
        self.port = self.sock.getsockname()[1]
        self.inbox = []
        self.seen = set()
        self.auto_ok_notify = True
        self.cseq = 0

    @property
    def hostport(self):
        return "%s:%d" % (self.addr, self.port)

    @property
    def contact(self):
        return "sip:%s@%s" % (self.name, self.hostport)

    def send(self, text, dest=None):
        dest = dest or self.kam
        if VERBOSE:
            print("---- %s -> %s:%d\n%s" % (self.name, dest[0], dest[1], text))
        self.sock.sendto(text.encode(), dest)

    def request(self, method, ruri, from_uri, to_uri, call_id=None, from_tag=None, to_tag=None, cseq=None,
                headers=(), body="", dest=None):
        self.cseq += 1
        branch = "z9hG4bK-" + new_id()
        call_id = call_id or new_id() + "@" + self.addr
        from_tag = from_tag or new_id()
        lines = ["%s %s SIP/2.0" % (method, ruri),
                 "Via: SIP/2.0/UDP %s;branch=%s;rport" % (self.hostport, branch),
                 "Max-Forwards: 70",
                 "From: <%s>;tag=%s" % (from_uri, from_tag),
                 "To: <%s>%s" % (to_uri, ";tag=" + to_tag if to_tag else ""),
                 "Call-ID: %s" % call_id,
                 "CSeq: %d %s" % (cseq or self.cseq, method)]
        lines += list(headers)
        lines.append("Content-Length: %d" % len(body.encode()))
        self.send("\r\n".join(lines) + "\r\n\r\n" + body, dest)
        return {"call_id": call_id, "from_tag": from_tag, "branch": branch}

    def respond(self, req, code, reason, to_tag=None, headers=(), body=""):
        to = req.hdr("to")
        if to_tag and ";tag=" not in to:
            to += ";tag=" + to_tag
        lines = ["SIP/2.0 %d %s" % (code, reason)]
        lines += ["Via: " + v for v in req.all("via")]
        lines += ["Record-Route: " + v for v in req.all("record-route")]
        lines += ["From: " + req.hdr("from"), "To: " + to, "Call-ID: " + req.hdr("call-id"),
                  "CSeq: " + req.hdr("cseq")]
        lines += list(headers)
        lines.append("Content-Length: %d" % len(body.encode()))
        text = "\r\n".join(lines) + "\r\n\r\n" + body
        # Back to the top Via's sent-by (received/rport when present).
        via = req.all("via")[0].split(",")[0]
        m = re.match(r"SIP/2\.0/UDP\s+([^;:\s]+)(?::(\d+))?", via)
        host, port = m.group(1), int(m.group(2) or 5060)
        rport = re.search(r";rport=(\d+)", via)
        received = re.search(r";received=([^;\s]+)", via)
        self.send(text, (received.group(1) if received else host, int(rport.group(1)) if rport else port))

    def _receive(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data, source = self.sock.recvfrom(65535)
        except socket.timeout:
            return
        msg = Msg(data, source)
        if VERBOSE:
            print("---- %s <- %s:%d\n%s" % (self.name, source[0], source[1], msg.raw))
        if msg.key() in self.seen:  # a retransmission
            if not msg.is_response and msg.method == "NOTIFY" and self.auto_ok_notify:
                self.respond(msg, 200, "OK")
            return
        self.seen.add(msg.key())
        if not msg.is_response and msg.method == "NOTIFY" and self.auto_ok_notify:
            self.respond(msg, 200, "OK")
        self.inbox.append(msg)

    def expect(self, what, predicate, timeout=3.0):
        deadline = time.time() + timeout
        while True:
            for i, msg in enumerate(self.inbox):
                if predicate(msg):
                    del self.inbox[i]
                    return msg
            left = deadline - time.time()
            if left <= 0:
                raise CheckFailed("%s: no %s within %.1fs; received meanwhile:\n%s" % (
                    self.name, what, timeout, "\n".join(m.raw for m in self.inbox) or "(nothing)"))
            self._receive(left)

    def response(self, call_id, method, timeout=3.0):
        """The final response to the request `method` of `call_id` (provisional ones skipped)."""
        return self.expect("final response to %s" % method,
                           lambda m: m.is_response and m.code >= 200 and m.hdr("call-id") == call_id
                           and m.cseq_method() == method, timeout)

    def nothing(self, predicate, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            self._receive(deadline - time.time())
        for msg in self.inbox:
            if predicate(msg):
                raise CheckFailed("%s: unexpected\n%s" % (self.name, msg.raw))


class Checker:
    def __init__(self):
        self.passed = []

    def ok(self, condition, text, detail=""):
        if not condition:
            raise CheckFailed("FAILED: %s\n%s" % (text, detail))
        self.passed.append(text)
        print("ok   %s" % text)


def start_kamailio(cfg_template, work, kam_port, tandem_port):
    db = os.path.join(work, "kamailio.db")
    for name in SCHEMA_FILES:
        with open(os.path.join(SCHEMA, name)) as sql:
            subprocess.run(["sqlite3", db], stdin=sql, check=True)
    address_file = os.path.join(work, "address.list")
    with open(address_file, "w") as f:
        f.write("1 %s 32 0\n" % TANDEM)
    with open(cfg_template) as f:
        cfg = f.read()
    values = {"@KAM_ADDR@": KAM, "@KAM_PORT@": str(kam_port), "@TANDEM_ADDR@": TANDEM,
              "@TANDEM_PORT@": str(tandem_port), "@ADDRESS_FILE@": address_file,
              "@DB_URL@": "sqlite:///" + db}  # "sqlite:///" + "/abs/path": sqlite:////tmp/...
    for key, value in values.items():
        cfg = cfg.replace(key, value)
    left = re.findall(r"@[A-Z_]+@", cfg)
    if left:
        raise CheckFailed("placeholders left in the cfg: %s" % left)
    cfg_path = os.path.join(work, "kamailio.cfg")
    with open(cfg_path, "w") as f:
        f.write(cfg)
    command = ["kamailio", "-f", cfg_path, "-DD", "-E", "-n", "1", "-w", work, "-P",
               os.path.join(work, "kamailio.pid")]
    print("db:        " + "; ".join("sqlite3 %s < %s/%s" % (db, SCHEMA, n) for n in SCHEMA_FILES))
    print("kamailio:  " + " ".join(command))
    out = open(os.path.join(work, "kamailio.out"), "w")
    err = open(os.path.join(work, "kamailio.err"), "w")
    return subprocess.Popen(command, cwd=work, stdout=out, stderr=err, start_new_session=True), db


def stop_kamailio(proc):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def register(ua, c, proc, wait=0.0):
    """REGISTER ua as <name>@example.com with its contact; retried until Kamailio answers."""
    deadline = time.time() + wait
    while True:
        if proc.poll() is not None:
            raise CheckFailed("kamailio exited (%s)" % proc.returncode)
        r = ua.request("REGISTER", "sip:example.com", "sip:%s@example.com" % ua.name,
                       "sip:%s@example.com" % ua.name, headers=["Contact: <%s>" % ua.contact, "Expires: 600"])
        try:
            resp = ua.response(r["call_id"], "REGISTER", timeout=0.5)
            break
        except CheckFailed:
            if time.time() > deadline:
                raise
    c.ok(resp.code == 200 and ua.contact in (resp.hdr("contact") or ""),
         "REGISTER %s@example.com (Contact %s) -> 200 with the binding" % (ua.name, ua.contact), resp.raw)


def run(cfg_template, work):
    c = Checker()
    kam_port = free_udp_port(KAM)
    kam = (KAM, kam_port)
    dave = UA("dave", DAVE, kam)
    erin = UA("erin", WATCHER, kam)
    tandem = UA("tandem", TANDEM, kam)
    tandem.auto_ok_notify = False
    outsider = UA("carol", OUTSIDER, kam)
    proc, db = start_kamailio(cfg_template, work, kam_port, tandem.port)
    kam_rr = re.compile(r"<sip:%s:%d;lr(=on)?>" % (re.escape(KAM), kam_port))
    try:
        register(dave, c, proc, wait=10.0)
        register(erin, c, proc)

        # dave publishes: 200 with SIP-ETag.
        body = pidf("dave", "open", "Available for tests")
        r = dave.request("PUBLISH", "sip:dave@example.com", "sip:dave@example.com", "sip:dave@example.com",
                         headers=["Event: presence", "Expires: 600", "Content-Type: application/pidf+xml"],
                         body=body)
        resp = dave.response(r["call_id"], "PUBLISH")
        etag = resp.hdr("sip-etag")
        c.ok(resp.code == 200 and etag, "PUBLISH dave (basic open, note 'Available for tests') -> 200, SIP-ETag %s"
             % etag, resp.raw)
        rows = subprocess.run(["sqlite3", db, "select username, domain, event from presentity"],
                              capture_output=True, text=True).stdout.split()
        c.ok("dave|example.com|presence" in rows, "presentity dave@example.com/presence stored in SQLite",
             str(rows))

        # erin subscribes to dave: 200 + NOTIFY with dave's PIDF.
        sub = erin.request("SUBSCRIBE", "sip:dave@example.com", "sip:erin@example.com", "sip:dave@example.com",
                           headers=["Contact: <%s>" % erin.contact, "Event: presence", "Expires: 600",
                                    "Accept: application/pidf+xml"])
        resp = erin.response(sub["call_id"], "SUBSCRIBE")
        c.ok(resp.code in (200, 202) and resp.tag("to"), "SUBSCRIBE erin -> dave@example.com: %d with a to-tag"
             % resp.code, resp.raw)
        to_tag = resp.tag("to")
        m = re.search(r"<([^>]+)>", resp.hdr("contact") or "")
        target = m.group(1) if m else ""
        c.ok(target.startswith("sip:%s:%d" % (KAM, kam_port)),
             "its Contact is the presence server_address %s" % target, resp.raw)

        def notify_for(call_id):
            return lambda m: not m.is_response and m.method == "NOTIFY" and m.hdr("call-id") == call_id

        n = erin.expect("NOTIFY", notify_for(sub["call_id"]))
        c.ok(n.source == kam and n.ruri == erin.contact and "active" in (n.hdr("subscription-state") or "")
             and re.search(r"<basic>\s*open\s*</basic>", n.body) and "Available for tests" in n.body,
             "NOTIFY from Kamailio to erin's contact %s: Subscription-State active, basic open, "
             "note 'Available for tests'" % erin.contact, n.raw)

        # dave publishes a change: a new NOTIFY.
        body = pidf("dave", "open", "In a meeting")
        r = dave.request("PUBLISH", "sip:dave@example.com", "sip:dave@example.com", "sip:dave@example.com",
                         headers=["Event: presence", "Expires: 600", "Content-Type: application/pidf+xml",
                                  "SIP-If-Match: " + etag], body=body)
        resp = dave.response(r["call_id"], "PUBLISH")
        c.ok(resp.code == 200 and resp.hdr("sip-etag"), "PUBLISH dave (SIP-If-Match %s, note 'In a meeting') -> 200"
             % etag, resp.raw)
        n = erin.expect("NOTIFY after the change", notify_for(sub["call_id"]))
        c.ok("In a meeting" in n.body and "Available for tests" not in n.body,
             "a new NOTIFY to erin with note 'In a meeting'", n.raw)

        # In-dialog refresh to the presence contact: 200 + NOTIFY with the current state.
        r = erin.request("SUBSCRIBE", target, "sip:erin@example.com", "sip:dave@example.com",
                         call_id=sub["call_id"], from_tag=sub["from_tag"], to_tag=to_tag,
                         headers=["Contact: <%s>" % erin.contact, "Event: presence", "Expires: 600",
                                  "Accept: application/pidf+xml"])
        resp = erin.response(sub["call_id"], "SUBSCRIBE")
        n = erin.expect("NOTIFY after the refresh", notify_for(sub["call_id"]))
        c.ok(resp.code in (200, 202) and "In a meeting" in n.body,
             "in-dialog SUBSCRIBE refresh to %s -> %d + NOTIFY 'In a meeting'" % (target, resp.code),
             resp.raw + n.raw)

        # The same with a Route to Kamailio itself in front (an outbound-proxy route).
        r = erin.request("SUBSCRIBE", target, "sip:erin@example.com", "sip:dave@example.com",
                         call_id=sub["call_id"], from_tag=sub["from_tag"], to_tag=to_tag,
                         headers=["Route: <sip:%s:%d;lr>" % (KAM, kam_port), "Contact: <%s>" % erin.contact,
                                  "Event: presence", "Expires: 600", "Accept: application/pidf+xml"])
        resp = erin.response(sub["call_id"], "SUBSCRIBE")
        n = erin.expect("NOTIFY after the routed refresh", notify_for(sub["call_id"]))
        c.ok(resp.code in (200, 202) and "In a meeting" in n.body,
             "in-dialog SUBSCRIBE refresh with Route: <sip:%s:%d;lr> -> %d + NOTIFY" % (KAM, kam_port, resp.code),
             resp.raw + n.raw)

        # Un-SUBSCRIBE: 200 + NOTIFY terminated.
        r = erin.request("SUBSCRIBE", target, "sip:erin@example.com", "sip:dave@example.com",
                         call_id=sub["call_id"], from_tag=sub["from_tag"], to_tag=to_tag,
                         headers=["Contact: <%s>" % erin.contact, "Event: presence", "Expires: 0",
                                  "Accept: application/pidf+xml"])
        resp = erin.response(sub["call_id"], "SUBSCRIBE")
        n = erin.expect("NOTIFY terminated", notify_for(sub["call_id"]))
        c.ok(resp.code in (200, 202) and "terminated" in (n.hdr("subscription-state") or ""),
             "un-SUBSCRIBE (Expires: 0) -> %d + NOTIFY Subscription-State terminated" % resp.code,
             resp.raw + n.raw)

        # Request-URI host = Kamailio's address: the same presentity dave@example.com.
        ruri = "sip:dave@%s:%d" % (KAM, kam_port)
        sub2 = erin.request("SUBSCRIBE", ruri, "sip:erin@example.com", ruri,
                            headers=["Contact: <%s>" % erin.contact, "Event: presence", "Expires: 600",
                                     "Accept: application/pidf+xml"])
        resp = erin.response(sub2["call_id"], "SUBSCRIBE")
        n = erin.expect("NOTIFY for %s" % ruri, notify_for(sub2["call_id"]))
        c.ok(resp.code in (200, 202) and "In a meeting" in n.body,
             "SUBSCRIBE to %s -> %d + NOTIFY with dave@example.com's note 'In a meeting'" % (ruri, resp.code),
             resp.raw + n.raw)

        # A registered user who never published: 200 + NOTIFY without a PIDF.
        sub3 = dave.request("SUBSCRIBE", "sip:erin@example.com", "sip:dave@example.com", "sip:erin@example.com",
                            headers=["Contact: <%s>" % dave.contact, "Event: presence", "Expires: 600",
                                     "Accept: application/pidf+xml"])
        resp = dave.response(sub3["call_id"], "SUBSCRIBE")
        n = dave.expect("NOTIFY for erin", notify_for(sub3["call_id"]))
        c.ok(resp.code in (200, 202) and "active" in (n.hdr("subscription-state") or "") and "<basic>" not in n.body,
             "SUBSCRIBE dave -> erin (never published) -> %d + NOTIFY active, no PIDF (%d body bytes)"
             % (resp.code, len(n.body)), resp.raw + n.raw)

        # A watcher behind Tandem (trusted address, Tandem record-routes):
        # the NOTIFY follows the route set, through Tandem.
        tandem_rr = "<sip:%s;lr>" % tandem.hostport
        alice_contact = "sip:alice@127.0.0.41:5099"
        tsub = tandem.request("SUBSCRIBE", "sip:dave@example.com", "sip:alice@example.com", "sip:dave@example.com",
                              headers=["Record-Route: " + tandem_rr, "Contact: <%s>" % alice_contact,
                                       "Event: presence", "Expires: 600", "Accept: application/pidf+xml"])
        resp = tandem.response(tsub["call_id"], "SUBSCRIBE")
        c.ok(resp.code in (200, 202), "SUBSCRIBE alice -> dave from Tandem's address (trusted) -> %d" % resp.code,
             resp.raw)
        n = tandem.expect("NOTIFY through Tandem", notify_for(tsub["call_id"]))
        tandem.respond(n, 200, "OK")
        c.ok(n.ruri == alice_contact and tandem_rr in (n.hdr("route") or "") and "In a meeting" in n.body,
             "its NOTIFY follows the route set: sent to Tandem %s with Route %s, Request-URI %s, note "
             "'In a meeting'" % (tandem.hostport, tandem_rr, alice_contact), n.raw)

        # An outsider (not registered, not Tandem) may not subscribe to dave.
        r = outsider.request("SUBSCRIBE", "sip:dave@example.com", "sip:carol@example.com", "sip:dave@example.com",
                             headers=["Contact: <%s>" % outsider.contact, "Event: presence", "Expires: 600"])
        resp = outsider.response(r["call_id"], "SUBSCRIBE")
        c.ok(resp.code == 403, "SUBSCRIBE -> dave from an outsider %s (neither registered nor Tandem) -> 403"
             % OUTSIDER, resp.raw)

        # A user Kamailio does not have: relayed to Tandem with Record-Route.
        csub = erin.request("SUBSCRIBE", "sip:carol@example.com", "sip:erin@example.com", "sip:carol@example.com",
                            headers=["Contact: <%s>" % erin.contact, "Event: presence", "Expires: 600",
                                     "Accept: application/pidf+xml"])
        req = tandem.expect("relayed SUBSCRIBE for carol",
                            lambda m: not m.is_response and m.hdr("call-id") == csub["call_id"])
        c.ok(req.source == kam and req.method == "SUBSCRIBE" and req.ruri == "sip:carol@example.com"
             and kam_rr.search(req.hdr("record-route") or ""),
             "SUBSCRIBE erin -> carol@example.com (not registered here) relayed to Tandem %s, Request-URI "
             "unchanged, Record-Route %s" % (tandem.hostport, req.hdr("record-route")), req.raw)
        carol_contact = "sip:carol@%s" % tandem.hostport
        tandem.respond(req, 200, "OK", to_tag="tt1", headers=["Contact: <%s>" % carol_contact, "Expires: 600"])
        resp = erin.response(csub["call_id"], "SUBSCRIBE")
        c.ok(resp.code == 200 and kam_rr.search(resp.hdr("record-route") or ""),
             "Tandem's 200 reaches erin with Kamailio's Record-Route", resp.raw)
        # Tandem's NOTIFY, routed through Kamailio, reaches erin's contact.
        tandem.request("NOTIFY", erin.contact, "sip:carol@example.com", "sip:erin@example.com",
                       call_id=csub["call_id"], from_tag="tt1", to_tag=csub["from_tag"], cseq=1,
                       headers=["Route: <sip:%s:%d;lr>" % (KAM, kam_port),
                                "Contact: <%s>" % carol_contact, "Event: presence",
                                "Subscription-State: active;expires=600", "Content-Type: application/pidf+xml"],
                       body=pidf("carol", "open", "Carol from Tandem"), dest=kam)
        n = erin.expect("Tandem's NOTIFY", notify_for(csub["call_id"]))
        c.ok(n.source == kam and n.ruri == erin.contact and "Carol from Tandem" in n.body,
             "Tandem's in-dialog NOTIFY (Route: Kamailio) reaches erin's contact %s" % erin.contact, n.raw)
        ok200 = tandem.expect("erin's 200 to the NOTIFY", lambda m: m.is_response and m.cseq_method() == "NOTIFY"
                              and m.hdr("call-id") == csub["call_id"])
        c.ok(ok200.code == 200, "erin's 200 to that NOTIFY gets back to Tandem", ok200.raw)
        # erin's in-dialog refresh goes to Tandem through Kamailio.
        erin.request("SUBSCRIBE", carol_contact, "sip:erin@example.com", "sip:carol@example.com",
                     call_id=csub["call_id"], from_tag=csub["from_tag"], to_tag="tt1",
                     headers=["Route: <sip:%s:%d;lr>" % (KAM, kam_port), "Contact: <%s>" % erin.contact,
                              "Event: presence", "Expires: 600"])
        req = tandem.expect("erin's refresh", lambda m: not m.is_response and m.hdr("call-id") == csub["call_id"]
                            and m.method == "SUBSCRIBE")
        c.ok(req.ruri == carol_contact and req.source == kam,
             "erin's in-dialog SUBSCRIBE refresh (Route: Kamailio) reaches Tandem at %s" % carol_contact, req.raw)
        tandem.respond(req, 200, "OK", headers=["Contact: <%s>" % carol_contact, "Expires: 600"])
        erin.response(csub["call_id"], "SUBSCRIBE")

        # PUBLISH for a user Kamailio does not have: to Tandem as well.
        r = outsider.request("PUBLISH", "sip:carol@example.com", "sip:carol@example.com", "sip:carol@example.com",
                             headers=["Event: presence", "Expires: 600", "Content-Type: application/pidf+xml"],
                             body=pidf("carol", "open", "Carol publishes"))
        req = tandem.expect("relayed PUBLISH for carol",
                            lambda m: not m.is_response and m.hdr("call-id") == r["call_id"])
        c.ok(req.method == "PUBLISH" and req.ruri == "sip:carol@example.com" and "Carol publishes" in req.body
             and kam_rr.search(req.hdr("record-route") or ""),
             "PUBLISH carol@example.com (not registered here) relayed to Tandem with Record-Route", req.raw)
        tandem.respond(req, 200, "OK", to_tag="tt2", headers=["SIP-ETag: e1", "Expires: 600"])
        resp = outsider.response(r["call_id"], "PUBLISH")
        c.ok(resp.code == 200 and resp.hdr("sip-etag") == "e1", "Tandem's 200 (SIP-ETag e1) back to the publisher",
             resp.raw)

        # From Tandem, for a user Kamailio does not have: 404, not bounced back.
        r = tandem.request("SUBSCRIBE", "sip:carol@example.com", "sip:alice@example.com", "sip:carol@example.com",
                           headers=["Contact: <%s>" % alice_contact, "Event: presence", "Expires: 600"])
        resp = tandem.response(r["call_id"], "SUBSCRIBE")
        c.ok(resp.code == 404, "SUBSCRIBE -> carol from Tandem -> 404 (not bounced back)", resp.raw)
        tandem.nothing(lambda m: not m.is_response and m.hdr("call-id") == r["call_id"], 0.5)

        # In-dialog without a Route, Request-URI a user registered here: to the contact.
        tandem.request("NOTIFY", "sip:erin@example.com", "sip:carol@example.com", "sip:erin@example.com",
                       call_id=csub["call_id"], from_tag="tt1", to_tag=csub["from_tag"], cseq=2,
                       headers=["Contact: <%s>" % carol_contact, "Event: presence",
                                "Subscription-State: active;expires=600", "Content-Type: application/pidf+xml"],
                       body=pidf("carol", "closed", "Carol again"))
        n = erin.expect("NOTIFY without Route", notify_for(csub["call_id"]))
        c.ok(n.ruri == erin.contact and "Carol again" in n.body,
             "in-dialog NOTIFY to sip:erin@example.com without Route: looked up, reaches %s" % erin.contact, n.raw)
        # In-dialog, no Route, nobody here: 404.
        r = tandem.request("NOTIFY", "sip:nobody@example.com", "sip:carol@example.com", "sip:nobody@example.com",
                           to_tag="x1", headers=["Event: presence", "Subscription-State: active;expires=600"])
        resp = tandem.response(r["call_id"], "NOTIFY")
        c.ok(resp.code == 404, "in-dialog NOTIFY to sip:nobody@example.com without Route -> 404", resp.raw)

        if proc.poll() is not None:
            raise CheckFailed("kamailio exited (%s)" % proc.returncode)
        c.ok(True, "kamailio still running")
    finally:
        stop_kamailio(proc)
    return c


def main():
    global VERBOSE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--verbose", action="store_true", help="print every SIP message")
    parser.add_argument("--cfg", default=CFG, help="the cfg to check (default: %(default)s)")
    args = parser.parse_args()
    VERBOSE = args.verbose
    for tool in ("kamailio", "sqlite3"):
        if not shutil.which(tool):
            print("%s not found" % tool)
            return 1
    work = tempfile.mkdtemp(prefix="kamailio-presence-")
    try:
        checks = run(args.cfg, work)
        print("PASS: %d checks" % len(checks.passed))
        return 0
    except (CheckFailed, subprocess.CalledProcessError, OSError) as e:
        print(e)
        for name in ("kamailio.err", "kamailio.out"):
            path = os.path.join(work, name)
            if os.path.exists(path):
                with open(path) as f:
                    print("---- %s\n%s" % (name, f.read()[-20000:]))
        print("FAIL (work directory %s)" % work)
        args.keep = True
        return 1
    finally:
        if args.keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
