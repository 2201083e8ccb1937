#!/usr/bin/env python3
"""starttls_server.py - test servers that speak the real STARTTLS exchanges of SMTP (RFC 3207),
FTP (RFC 4217 AUTH TLS) and XMPP (RFC 6120 5.4) on loopback, then a real TLS handshake with the
given certificate; plus bad servers: one that offers no STARTTLS, one that refuses it, one that
sends garbage, one that never answers. Used by tests/integration/test_cert_starttls.sh where
postfix/exim cannot run unprivileged (IMAP, POP3, LDAP and PostgreSQL are the real dovecot,
slapd and PostgreSQL there).

  starttls_server.py CERT KEY PORTS_FILE MODE...

Each MODE listens on 127.0.0.1 port 0; PORTS_FILE gets one "MODE PORT" line per mode once all
listen. Runs until killed."""
import socket
import socketserver
import ssl
import sys
import threading
import time

CERT, KEY, PORTS_FILE = sys.argv[1:4]
MODES = sys.argv[4:]
CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
CTX.load_cert_chain(CERT, KEY)


def tls(sock):
    """The handshake on the same socket, then close."""
    try:
        s = CTX.wrap_socket(sock, server_side=True)
        s.close()
    except (ssl.SSLError, OSError):
        pass


def lines(f):
    for line in f:
        yield line.decode("latin-1").rstrip("\r\n")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        mode = self.server.mode
        s = self.request
        s.settimeout(20)
        try:
            getattr(self, mode.replace("-", "_"))(s)
        except (OSError, StopIteration):
            pass

    def smtp_like(self, s, offer, answer):
        f = s.makefile("rb")
        s.sendall(b"220-mail.test.example ESMTP\r\n220 ready\r\n")
        for line in lines(f):
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                ext = b"250-STARTTLS\r\n" if offer else b""
                s.sendall(b"250-mail.test.example\r\n250-PIPELINING\r\n" + ext + b"250 8BITMIME\r\n")
            elif verb == "STARTTLS":
                s.sendall(answer)
                if answer.startswith(b"220"):
                    tls(s)
                return
            else:
                s.sendall(b"500 unknown command\r\n")

    def smtp(self, s):
        self.smtp_like(s, True, b"220 2.0.0 Ready to start TLS\r\n")

    def smtp_nostarttls(self, s):
        self.smtp_like(s, False, b"")

    def smtp_refuse(self, s):
        self.smtp_like(s, True, b"454 4.7.0 TLS not available due to temporary reason\r\n")

    def ftp_like(self, s, answer):
        f = s.makefile("rb")
        s.sendall(b"220 FTP server ready\r\n")
        for line in lines(f):
            if line.upper().startswith("AUTH TLS"):
                s.sendall(answer)
                if answer.startswith(b"234"):
                    tls(s)
                return
            s.sendall(b"530 log in first\r\n")

    def ftp(self, s):
        self.ftp_like(s, b"234 AUTH TLS successful\r\n")

    def ftp_noauth(self, s):
        self.ftp_like(s, b"502 Command not implemented\r\n")

    def xmpp_like(self, s, offer):
        buf = b""
        while b"<stream:stream" not in buf or not buf.rstrip().endswith(b">"):
            d = s.recv(4096)
            if not d:
                return
            buf += d
        feat = b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" if offer else b""
        s.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  b"xmlns:stream='http://etherx.jabber.org/streams' id='t1' from='test.example' "
                  b"version='1.0'><stream:features>" + feat +
                  b"<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
                  b"</mechanism></mechanisms></stream:features>")
        buf = b""
        while b"<starttls" not in buf:
            d = s.recv(4096)
            if not d:
                return
            buf += d
        s.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        tls(s)

    def xmpp(self, s):
        self.xmpp_like(s, True)

    def xmpp_nostarttls(self, s):
        self.xmpp_like(s, False)

    def garbage(self, s):
        s.sendall(b"\x00\x17\x03garbage \xff\xfe not a protocol\r\n")
        time.sleep(2)

    def slow(self, s):
        time.sleep(20)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


servers = []
for m in MODES:
    srv = Server(("127.0.0.1", 0), Handler)
    srv.mode = m
    servers.append(srv)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
with open(PORTS_FILE + ".tmp", "w") as f:
    for srv in servers:
        f.write("%s %d\n" % (srv.mode, srv.server_address[1]))
import os  # noqa: E402
os.rename(PORTS_FILE + ".tmp", PORTS_FILE)
while True:
    time.sleep(3600)
