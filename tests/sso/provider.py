"""A real OpenID Connect provider on loopback, built from Authlib's provider components: the
authorization code grant with PKCE (S256 required) and the OpenID Connect extension, signing
ID tokens with an RSA key it publishes. The test says who signs in and what goes wrong."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "do-better"
CLIENT_SECRET = "provider-test-secret"
REDIRECT_URI = "http://localhost/login/sso/callback"


@dataclass
class Client:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    redirect_uris: tuple[str, ...] = (REDIRECT_URI,)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.issued_at)

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class Provider:
    """What the test controls: who signs in, and the faults to inject."""

    url: str = ""
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "u-1",
            "email": "ada@example.com",
            "email_verified": True,
            "name": "Ada Lovelace",
        }
    )
    code_lifetime: float = 60.0  # 0: every code has expired by the time it is exchanged
    id_token_issuer: str | None = None  # sign ID tokens as another issuer
    metadata_issuer: str | None = None  # name another issuer in the discovery document
    codes: dict[str, Code] = field(default_factory=dict)
    exchanged: list[str] = field(default_factory=list)
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, {"kid": "test-key", "use": "sig"}, private=True
        )
    )

    @property
    def issuer(self) -> str:
        return self.url


def build(provider: Provider) -> Flask:
    app = Flask("test-openid-provider")
    client = Client()

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            provider.codes[code] = Code(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.payload.scope,
                user=dict(request.user),
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, client: Any) -> Code | None:
            item = provider.codes.get(code)
            if item is None or item.client_id != client.client_id:
                return None
            if time.time() - item.issued_at >= provider.code_lifetime:
                return None  # expired: invalid_grant
            return item

        def delete_authorization_code(self, authorization_code: Code) -> None:
            provider.codes.pop(authorization_code.code, None)
            provider.exchanged.append(authorization_code.code)

        def authenticate_user(self, authorization_code: Code) -> dict[str, Any]:
            return authorization_code.user

    class OpenIDConnect(OpenIDCode):
        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return any(c.nonce == nonce for c in provider.codes.values())

        def resolve_client_private_key(self, client: Any) -> RSAKey:
            return provider.key

        def get_client_algorithm(self, client: Any) -> str:
            return "RS256"

        def get_client_claims(self, client: Any) -> dict[str, Any]:
            return {
                "iss": provider.id_token_issuer or provider.issuer,
                "aud": [client.get_client_id()],
                "exp": int(time.time()) + 300,
            }

        def get_encode_header(self, client: Any) -> dict[str, str]:
            return {"alg": "RS256", "kid": provider.key.kid}

        def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
            return UserInfo(**user)

    server = AuthorizationServer(
        app,
        query_client=lambda client_id: client if client_id == client.client_id else None,
        save_token=lambda token, request: None,
    )
    server.register_grant(
        CodeGrant, [OpenIDConnect(require_nonce=True), CodeChallenge(required=True)]
    )

    @app.get("/.well-known/openid-configuration")
    def metadata():  # type: ignore[no-untyped-def]
        return jsonify(
            issuer=provider.metadata_issuer or provider.issuer,
            authorization_endpoint=f"{provider.url}/authorize",
            token_endpoint=f"{provider.url}/token",
            jwks_uri=f"{provider.url}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        )

    @app.get("/jwks")
    def jwks():  # type: ignore[no-untyped-def]
        return jsonify(keys=[provider.key.as_dict(private=False)])

    @app.get("/authorize")
    def authorize():  # type: ignore[no-untyped-def]
        # The person is signed in at the provider already and consents: the code comes back.
        return server.create_authorization_response(grant_user=provider.user)

    @app.post("/token")
    def token():  # type: ignore[no-untyped-def]
        return server.create_token_response()

    return app


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()
    server = make_server("127.0.0.1", 0, build(state), threaded=True)
    state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
