"""A real SAML 2.0 identity provider on loopback for the end-to-end tests: Debian's pysaml2,
signing with Debian's xmlsec1 and the committed test key (server/tests/it/saml/idp-*.pem).

GET  /metadata  its metadata, for an organization's Owner to paste into Gatehouse.
GET  /sso       the HTTP-Redirect binding: shows a sign-in form for the AuthnRequest. The
                service provider's metadata is fetched from the request's Issuer (Gatehouse's
                entity id is its metadata URL), so any organization can connect to it.
POST /login     "signs in" whoever the form names and posts a signed assertion back to the
                ACS (HTTP-POST binding, auto-submitted like a real provider's page).

Run with /usr/bin/python3 (Debian's packages): SAML_IDP_PORT sets the port.
"""

import base64
import html
import os
import re
import urllib.parse
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

PORT = int(os.environ.get("SAML_IDP_PORT", "3103"))
BASE = f"http://127.0.0.1:{PORT}"
KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "server", "tests", "it", "saml")

CONFIG = {
    "entityid": f"{BASE}/metadata",
    "name": "Gatehouse test IdP",
    "service": {
        "idp": {
            "endpoints": {"single_sign_on_service": [(f"{BASE}/sso", BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
            "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
            "want_authn_requests_signed": False,
        }
    },
    "key_file": os.path.join(KEYS, "idp-key.pem"),
    "cert_file": os.path.join(KEYS, "idp-cert.pem"),
    "xmlsec_binary": "/usr/bin/xmlsec1",
    "metadata": {},
    "allow_unknown_attributes": True,
}


def make_server():
    config = IdPConfig()
    config.load(CONFIG)
    return Server(config=config)


IDP = make_server()
KNOWN_SPS = set()


def issuer_of(saml_request):
    """The AuthnRequest's Issuer, read before pysaml2 parses it (which needs the SP known)."""
    xml = zlib.decompress(base64.b64decode(saml_request), -15).decode()
    found = re.search(r"<(?:\w+:)?Issuer[^>]*>([^<]+)</", xml)
    return found.group(1).strip() if found else None


def know(entity_id):
    if entity_id in KNOWN_SPS:
        return
    # Only Gatehouse on loopback: the tests' service provider.
    if not entity_id.startswith("http://127.0.0.1:"):
        raise ValueError(f"unexpected service provider {entity_id}")
    with urllib.request.urlopen(entity_id, timeout=5) as response:
        IDP.metadata.load("inline", response.read().decode())
    KNOWN_SPS.add(entity_id)


def page(title, body):
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def send(self, status, body, content_type="text/html; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/metadata":
            return self.send(200, create_metadata_string(None, IDP.config).decode(), "application/samlmetadata+xml")
        if url.path == "/sso" and "SAMLRequest" in query:
            try:
                know(issuer_of(query["SAMLRequest"]))
                IDP.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
            except Exception as error:  # noqa: BLE001 - shown to the test
                return self.send(400, page("Bad request", f"<p>{html.escape(str(error))}</p>"))
            fields = "".join(
                f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""))}">'
                for name in ("SAMLRequest", "RelayState")
            )
            form = f"""<form method="post" action="/login">{fields}
<p><label for="email">Work email</label> <input id="email" name="email" type="email" required></p>
<p><label for="name">Full name</label> <input id="name" name="name"></p>
<button type="submit">Sign in to the test IdP</button></form>"""
            return self.send(200, page("Test IdP sign-in", form))
        if url.path == "/health":
            return self.send(200, "ok", "text/plain")
        return self.send(404, page("Not found", ""))

    def do_POST(self):
        if self.path != "/login":
            return self.send(404, page("Not found", ""))
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        request = IDP.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        args = IDP.response_args(request, [BINDING_HTTP_POST])
        email = form["email"]
        identity = {"mail": [email], "displayName": [form.get("name") or email]}
        response = IDP.create_authn_response(
            identity,
            in_response_to=args["in_response_to"],
            destination=args["destination"],
            sp_entity_id=args["sp_entity_id"],
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_assertion=True,
            sign_response=False,
            # pysaml2 7 signs with RSA-SHA1 unless told, which Gatehouse refuses.
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        http = IDP.apply_binding(
            BINDING_HTTP_POST, str(response), args["destination"], form.get("RelayState", ""), response=True
        )
        return self.send(200, http["data"])

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
