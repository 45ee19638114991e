#!/usr/bin/env python3
"""A docker-registry token server on 127.0.0.1 for the tests (docker's token authentication).

usage: token_server.py PORT KEY CERT --service NAME --issuer NAME --user USER:PASSWORD [--log FILE]

GET /token?service=...&scope=repository:NAME:ACTIONS[&scope=...] with HTTP Basic credentials USER:PASSWORD
answers {"token": JWT, "access_token": JWT, "expires_in": 300}: a JWT signed RS256 with KEY whose header
carries CERT (x5c), which the registry trusts through its auth.token.rootcertbundle. Every scope asked for
is granted. Wrong or missing credentials get 401; a service other than --service gets 400. Each answer is
logged as one line ("token 200 repository:x:pull,push") so a test can check that tokens were issued.
"""
import argparse
import base64
import http.server
import json
import os
import subprocess
import threading
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("key")
    parser.add_argument("cert")
    parser.add_argument("--service", required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--log")
    args = parser.parse_args()
    der = subprocess.run(["openssl", "x509", "-in", args.cert, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    expected = "Basic " + base64.b64encode(args.user.encode()).decode()
    lock = threading.Lock()

    def log(line):
        if args.log:
            with lock, open(args.log, "a") as f:
                f.write(line + "\n")

    def sign(claims):
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key], input=signing_input.encode(),
                                   check=True, capture_output=True).stdout
        return signing_input + "." + b64url(signature)

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            scopes = query.get("scope", [])
            if url.path != "/token":
                return self.answer(404, {"error": "not found"})
            if self.headers.get("Authorization") != expected:
                log("token 401 " + " ".join(scopes))
                return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
            if query.get("service", [""])[0] != args.service:
                log("token 400 " + " ".join(scopes))
                return self.answer(400, {"errors": [{"code": "DENIED", "message": "unknown service"}]})
            access = []
            for scope in scopes:
                kind, _, rest = scope.partition(":")
                name, _, actions = rest.rpartition(":")
                if kind and name:
                    access.append({"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]})
            now = int(time.time())
            token = sign({"iss": args.issuer, "sub": args.user.split(":")[0], "aud": args.service,
                          "exp": now + 300, "nbf": now - 10, "iat": now, "jti": b64url(os.urandom(12)),
                          "access": access})
            log("token 200 " + " ".join(scopes))
            self.answer(200, {"token": token, "access_token": token, "expires_in": 300})

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
